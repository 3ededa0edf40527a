// "Copy link" buttons: shown only where the browser can copy, announced when done.

export async function copyLink(button) {
  const url = new URL(button.dataset.copy, location.href).href;
  try {
    await navigator.clipboard.writeText(url);
    button.textContent = "Link copied";
  } catch {
    button.textContent = "Copy failed: select the link";
  }
  setTimeout(() => {
    button.textContent = "Copy link";
  }, 2500);
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.hidden = !navigator.clipboard;
  button.addEventListener("click", () => copyLink(button));
}
