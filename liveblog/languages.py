"""The languages Liveblog speaks: its interface, and what entries are written or translated in.
Each in its own name, as a language switcher shows it. Persian is written right to left."""

LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("fa", "فارسی")]
RIGHT_TO_LEFT = frozenset({"fa"})
DEFAULT = "en"
