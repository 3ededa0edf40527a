"""Static files as production serves them: compressed, with content hashes in their names."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # The pages' scripts are ES modules importing each other ("./live.js"): the imports are
    # rewritten to the hashed names too, or a module would be served with a short cache and
    # could be a release older than the module importing it.
    support_js_module_import_aggregation = True
