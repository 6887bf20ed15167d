"""What the format fixture generators share: where files go and the
manifest the checker reads (tests/formats/check_format.py).

Every generator writes OUT/{benign,malicious,malformed}/NAME and records,
for malicious and malformed files, the rules a scan must report."""
import json
import os


class Manifest:
    def __init__(self, out, plugin, scope=None):
        """scope: a rule prefix; only the plugin's findings under it count
        (pickle-code's TorchScript rules)."""
        self.out = out
        self.plugin = plugin
        self.scope = scope
        self.items = []
        for sub in ("benign", "malicious", "malformed"):
            os.makedirs(os.path.join(out, sub), exist_ok=True)

    def add(self, cls, name, data, rules=(), why="", also=None, scope=None):
        """Writes data (bytes) as OUT/cls/name; rules are the plugin's rule
        ids without the plugin prefix, any one of which must be reported
        (malformed files may instead be refused with exit 2). also: another
        plugin that runs too, whose rules are given with their prefix."""
        path = os.path.join(self.out, cls, name)
        with open(path, "wb") as f:
            f.write(data)
        item = {"path": os.path.join(cls, name), "class": cls,
                "rules": [r if r.startswith(((also or self.plugin) + ".", self.plugin + "."))
                          else self.plugin + "." + r for r in rules], "why": why}
        if also:
            item["also"] = also
        if scope:
            item["scope"] = scope
        self.items.append(item)
        return path

    def add_file(self, cls, name, rules=(), why=""):
        """Records a file a library already wrote at OUT/cls/name."""
        self.items.append({"path": os.path.join(cls, name), "class": cls,
                           "rules": [self.plugin + "." + r for r in rules], "why": why})

    def write(self):
        with open(os.path.join(self.out, "manifest.json"), "w") as f:
            json.dump({"plugin": self.plugin, "scope": self.scope, "items": self.items}, f,
                      indent=1)
