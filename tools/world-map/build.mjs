// Builds liveblog/static/liveblog/map/world.svg, the world outline behind the reader page's map
// of an event's cities, from Natural Earth's 1:110m land and countries (the world-atlas package).
// Run once, after `npm ci` here: `node build.mjs`. The output is committed; nothing runs this at
// serve time. The projection is Miller's, in tenths of a degree of longitude: liveblog/citymap.py
// places the cities with the same formula (keep SCALE, SOUTH and NORTH the same there).

import { readFileSync, writeFileSync } from "node:fs";
import { feature, mesh } from "topojson-client";

const SCALE = 10; // units per degree of longitude
const SOUTH = -60; // Antarctica is left out: no venue is south of this
const NORTH = 84;

const miller = (lat) => (1.25 * Math.log(Math.tan(Math.PI / 4 + (0.4 * lat * Math.PI) / 180)) * 180) / Math.PI;
const TOP = miller(NORTH);
const project = ([lon, lat]) => [Math.round((lon + 180) * SCALE), Math.round((TOP - miller(lat)) * SCALE)];

function ringPath(ring, closed) {
  // Relative moves in whole units: the shortest text, and nothing finer than 1:110m shows.
  const points = [];
  for (const point of ring) {
    const [x, y] = project(point);
    const last = points[points.length - 1];
    if (!last || last[0] !== x || last[1] !== y) points.push([x, y]);
  }
  if (points.length < (closed ? 3 : 2)) return "";
  let d = `M${points[0][0]} ${points[0][1]}`;
  for (let i = 1; i < points.length; i++) {
    const dx = points[i][0] - points[i - 1][0];
    const dy = points[i][1] - points[i - 1][1];
    d += `${i === 1 ? "l" : dx < 0 ? "" : " "}${dx}${dy < 0 ? "" : " "}${dy}`;
  }
  return closed ? `${d}z` : d;
}

function unwrap(ring) {
  // A ring across the antimeridian (Chukotka) goes on past 180° instead of back across the map:
  // each point is taken nearest its predecessor, then the ring is shifted to where most of it is.
  let offset = 0;
  const lons = ring.map(([lon], i) => {
    if (i) {
      const step = lon + offset - (ring[i - 1][0] + offset);
      if (step > 180) offset -= 360;
      else if (step < -180) offset += 360;
    }
    return lon + offset;
  });
  const outside = lons.filter((lon) => lon > 180).length - lons.filter((lon) => lon < -180).length;
  const shift = outside > lons.length / 2 ? -360 : outside < -lons.length / 2 ? 360 : 0;
  return ring.map(([, lat], i) => [lons[i] + shift, lat]);
}

function polygons(geometry) {
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

const atlas = (name) => JSON.parse(readFileSync(new URL(`node_modules/world-atlas/${name}`, import.meta.url)));
const land = feature(atlas("land-110m.json"), "land");
const landPath = land.features
  .flatMap((f) => polygons(f.geometry))
  .filter((polygon) => polygon[0].some(([, lat]) => lat > SOUTH))
  .flatMap((polygon) => polygon.map((ring) => ringPath(unwrap(ring), true)))
  .join("");

const countries = atlas("countries-110m.json");
const borders = mesh(countries, countries.objects.countries, (a, b) => a !== b);
const borderPath = borders.coordinates.map((line) => ringPath(unwrap(line), false)).join("");

const width = 360 * SCALE;
const height = Math.round((TOP - miller(SOUTH)) * SCALE);
const svg =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}">` +
  `<!-- Natural Earth 1:110m (public domain), via world-atlas (ISC); Miller projection. -->` +
  `<path id="land" d="${landPath}"/><path id="borders" d="${borderPath}"/></svg>\n`;
const out = new URL("../../liveblog/static/liveblog/map/world.svg", import.meta.url);
writeFileSync(out, svg);
console.log(`${out.pathname}: ${svg.length} bytes, ${width}×${height}`);
