"""Shared checks of the detector end-to-end tests: one plugin's outcome in a
scan's JSON results (docs/results.md) held against the fixture's truth file
(tests/fixtures/*.truth.json). Each test script says what it expects of its
plugin; what every detector promises is checked here, the same way for all:
it ran, it names the target class of a poisoned model and no other class at
medium or above, its rows match the poisoned ones, a clean model raises
nothing above low."""
import json
import sys

SEVERITIES = ["info", "low", "medium", "high", "critical"]


def at_least(finding, level):
    """The finding's own severity (before correlation) is level or above."""
    return SEVERITIES.index(finding["reported_severity"]) >= SEVERITIES.index(level)


def same_run(results_a, results_b, plugin):
    """Two scans gave the plugin the same evidence (timings aside) and the
    same rows."""

    def key(path):
        d = json.load(open(path))
        ev = [p for p in d["plugins"] if p["name"] == plugin][0]["evidence"]
        ev = {k: v for k, v in ev.items() if not k.startswith("seconds")}
        rows = [f["samples"]["indices"] for f in d["findings"] if f["plugin"] == plugin]
        return json.dumps([ev, rows], sort_keys=True)

    return key(results_a) == key(results_b)


class Verdict:
    """Collects the problems found in one scan's results for one plugin;
    done() prints them and exits 1 when there are any."""

    def __init__(self, results, truth, plugin):
        self.results = json.load(open(results))
        self.truth = json.load(open(truth))
        self.plugin = plugin
        status = [p for p in self.results["plugins"] if p["name"] == plugin]
        self.status = status[0] if status else None
        self.evidence = self.status["evidence"] if self.status else {}
        self.ours = [f for f in self.results["findings"] if f["plugin"] == plugin]
        self.bad = []

    def fail(self, message):
        self.bad.append(message)

    def ran_ok(self):
        """The plugin ran to the end; exits at once if not, since nothing
        else can be checked."""
        if not self.status or self.status["status"] != "ok":
            print("FAIL: %s did not run ok: %s" % (self.plugin, self.status))
            sys.exit(1)

    def findings(self, rule=None, label=None):
        return [f for f in self.ours
                if (rule is None or f["rule"] == rule) and (label is None or f["label"] == label)]

    def rows_match(self, finding, min_precision, min_recall):
        """The finding's rows against the truth's poisoned rows: prints the
        figures and fails below the floors."""
        rows = set(finding["samples"]["indices"])
        poisoned = set(self.truth["poisoned_rows"])
        precision = len(rows & poisoned) / len(rows) if rows else 0.0
        recall = len(rows & poisoned) / len(poisoned)
        print("%s class %d (%s): %d rows, precision %.2f recall %.2f"
              % (finding["rule"], finding["label"], finding["reported_severity"], len(rows),
                 precision, recall))
        if precision < min_precision or recall < min_recall:
            self.fail("%s: poisoned-row precision %.2f / recall %.2f below %.2f / %.2f"
                      % (finding["rule"], precision, recall, min_precision, min_recall))

    def flip_named(self, rule, min_precision, min_recall):
        """A label-flip fixture: the rule's finding on the target class names
        the truth's source, at low or above, with the flipped rows, and was
        raised to high or critical by a witness of another family."""
        target, source = self.truth["target_class"], self.truth["source_classes"][0]
        hits = self.findings(rule=rule, label=target)
        if not hits:
            self.fail("no flip finding on class %d: %s"
                      % (target, [(f["label"], f["reported_severity"]) for f in self.ours]))
            return
        f = hits[0]
        if f["evidence"]["source"] != source:
            self.fail("source named %s, not %d" % (f["evidence"]["source"], source))
        if not at_least(f, "low"):
            self.fail("reported at %s" % f["reported_severity"])
        self.rows_match(f, min_precision, min_recall)
        if f["severity"] not in ("high", "critical"):
            self.fail("not raised by the correlation: %s" % f["severity"])

    def silent(self):
        """A clean package for a detector that must say nothing: no finding
        at any severity."""
        if self.ours:
            self.fail("clean package, findings: %s"
                      % [(f["rule"], f["label"], f["reported_severity"]) for f in self.ours])

    def only_target_implicated(self, target):
        """No class but the target at medium or above."""
        others = [(f["label"], f["reported_severity"]) for f in self.ours
                  if f["label"] != target and at_least(f, "medium")]
        if others:
            self.fail("other classes implicated: %s" % others)

    def quiet(self):
        """A clean model: nothing above low."""
        loud = [(f["rule"], f["label"], f["reported_severity"]) for f in self.ours
                if at_least(f, "medium")]
        if loud:
            self.fail("clean model, findings above low: %s" % loud)

    def done(self):
        for b in self.bad:
            print("FAIL: " + b)
        sys.exit(1 if self.bad else 0)
