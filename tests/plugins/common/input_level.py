#!/usr/bin/python3
"""The checks of the input-level detector tests (strip, scale-up, ibd-psc:
tests/plugins/common/input_level.sh), which make the same promises on the
same fixtures.

usage: input_level.py findings RESULTS TRUTH PLUGIN EVKEY RULE PRECISION RECALL SEVERITY
         a poisoned model's target class has a RULE finding (at SEVERITY or
         above; "any" for no floor) whose rows meet the precision/recall
         floors, no other class is implicated; a clean model raises nothing
         above low; the held-out FRR stays near the target and the training
         set was scanned (evidence EVKEY).
       input_level.py inputs RESULTS PLUGIN EVKEY RULE N MIN_TRIGGERED MAX_CLEAN
         a scan of triggered_inputs.py's rows (N triggered, then N clean):
         every row scanned, at least MIN_TRIGGERED triggered rows and at
         most MAX_CLEAN clean ones in the RULE findings.
"""
import sys

from verdict import Verdict, at_least, inputs_rows


def findings(results, truth, plugin, evkey, rule, precision, recall, severity):
    v = Verdict(results, truth, plugin)
    v.ran_ok()
    if v.truth["poisoned"]:
        target = v.truth["target_class"]
        hits = v.findings(rule, target)
        if not hits:
            v.fail("no %s finding for target class %d: %s"
                   % (rule, target, [(f["label"], f["severity"]) for f in v.ours]))
        else:
            if severity != "any" and not at_least(hits[0], severity):
                v.fail("target class reported at %s only" % hits[0]["reported_severity"])
            v.rows_match(hits[0], float(precision), float(recall))
        v.only_target_implicated(target)
    else:
        v.quiet()
    ev = v.evidence[evkey]
    cal = ev.get("calibration", {})
    # The held-out false-rejection rate of the threshold stays near the target.
    if not (0 <= cal.get("frr_heldout", -1) <= 0.03):
        v.fail("held-out FRR %s outside [0, 0.03]" % cal.get("frr_heldout"))
    if "train" not in ev:
        v.fail("the training set was not scanned")
    v.done()


def inputs(results, plugin, evkey, rule, n, min_triggered, max_clean):
    n = int(n)
    trig, clean, ev = inputs_rows(results, plugin, rule, n)
    ev = ev[evkey]["inputs"]
    print("inputs: %d of %d flagged by the per-row threshold; finding rows: %d triggered of %d, "
          "%d clean of %d" % (ev["flagged"], 2 * n, len(trig), n, len(clean), n))
    ok = ev["scanned"] == 2 * n and len(trig) >= int(min_triggered) and len(clean) <= int(max_clean)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    {"findings": findings, "inputs": inputs}[sys.argv[1]](*sys.argv[2:])
