#!/usr/bin/python3
"""Runs modelgate's CI definitions here, the way their CI would, for the tests.

  run_steps.py action ACTION.YML WORKDIR INPUTS.JSON
      Runs the composite action's steps in order as GitHub's runner does:
      evaluates each step's `if:` (the expression forms action.yml uses),
      runs `run:` steps with `sh -e` in WORKDIR with their `env:` resolved,
      GITHUB_ACTION_PATH set to the repository and a GITHUB_OUTPUT file per
      step; `uses:` steps cannot run here, so their `with:` values are
      resolved and recorded. Prints a JSON trace: every step (ran, exit
      status, stdout, resolved `with:`), the action's outputs, its conclusion.

  run_steps.py gitlab TEMPLATE.YML JOB WORKDIR VARIABLES.JSON
      Runs the job's `script:` in WORKDIR with the job's variables (overridden
      by VARIABLES.JSON) in the environment, as a GitLab runner does (one
      shell, stop at the first failing command), then expands `artifacts:`
      paths. Prints a JSON trace: exit status, output, artifacts.

Expressions other than the forms used (inputs.X, steps.ID.outputs.X,
always(), success(), failure(), ==, !=, &&, ||, !, string literals) are an
error, so a new form in action.yml fails the test until it is taught here.
"""
import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.environ.get("TOP_SRCDIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Context:
    def __init__(self, inputs):
        self.inputs = inputs
        self.steps = {}  # id -> {"outputs": {...}, "outcome": ...}
        self.failed = False

    def lookup(self, path):
        parts = path.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            if parts[1] not in self.inputs:
                raise SystemExit(f"expression names an input that action.yml does not declare: {path}")
            return self.inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get("outputs", {}).get(parts[3], "")
        if parts[0] == "github" and parts[1:] == ["workspace"]:
            return self.workdir
        raise SystemExit(f"expression form not understood by the test: {path}")


TOKEN = re.compile(r"\s*(\(|\)|&&|\|\||==|!=|!|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_.\-]*\(\)|[A-Za-z_][A-Za-z0-9_.\-]*)")


def evaluate(expr, ctx):
    """Evaluates the subset of GitHub's expression language action.yml uses."""
    tokens, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise SystemExit(f"cannot read expression {expr!r} at {expr[pos:]!r}")
        tokens.append(m.group(1))
        pos = m.end()
    tokens.append(None)
    i = 0

    def peek():
        return tokens[i]

    def take():
        nonlocal i
        i += 1
        return tokens[i - 1]

    def primary():
        t = take()
        if t == "(":
            v = disjunction()
            if take() != ")":
                raise SystemExit(f"unbalanced parentheses in {expr!r}")
            return v
        if t == "!":
            return not truthy(primary())
        if t.startswith("'"):
            return t[1:-1].replace("''", "'")
        if t == "always()":
            return True
        if t == "success()":
            return not ctx.failed
        if t == "failure()":
            return ctx.failed
        if t in ("true", "false"):
            return t == "true"
        return ctx.lookup(t)

    def comparison():
        v = primary()
        while peek() in ("==", "!="):
            op, w = take(), primary()
            # GitHub compares strings case-insensitively.
            same = str(v).lower() == str(w).lower()
            v = same if op == "==" else not same
        return v

    def conjunction():
        v = comparison()
        while peek() == "&&":
            take()
            w = comparison()
            v = w if truthy(v) else v
        return v

    def disjunction():
        v = conjunction()
        while peek() == "||":
            take()
            w = conjunction()
            v = v if truthy(v) else w
        return v

    v = disjunction()
    if peek() is not None:
        raise SystemExit(f"trailing tokens in {expr!r}")
    return v


def truthy(v):
    return bool(v) and v != "0"


def interpolate(text, ctx):
    if not isinstance(text, str):
        return text

    def one(m):
        v = evaluate(m.group(1), ctx)
        return str(v).lower() if isinstance(v, bool) else str(v)

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def condition(step, ctx):
    cond = step.get("if")
    if cond is None:
        return not ctx.failed
    cond = str(cond).strip()
    if cond.startswith("${{") and cond.endswith("}}"):
        cond = cond[3:-2]
    # Like GitHub: without a status function, success() is implied.
    if not re.search(r"\b(always|success|failure|cancelled)\(\)", cond):
        cond = f"success() && ({cond})"
    return truthy(evaluate(cond, ctx))


def parse_outputs(path):
    out, lines, k = {}, open(path, encoding="utf-8").read().split("\n"), 0
    while k < len(lines):
        line = lines[k]
        k += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            value = []
            while k < len(lines) and lines[k] != delim:
                value.append(lines[k])
                k += 1
            k += 1
            out[key] = "\n".join(value)
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def run_action(action_yml, workdir, inputs_json):
    action = yaml.safe_load(open(action_yml, encoding="utf-8"))
    declared = action.get("inputs") or {}
    given = json.loads(inputs_json)
    for name in given:
        if name not in declared:
            raise SystemExit(f"input {name} is not declared in {action_yml}")
    inputs = {}
    for name, spec in declared.items():
        if name in given:
            inputs[name] = str(given[name])
        elif spec.get("required"):
            raise SystemExit(f"required input {name} not given")
        else:
            inputs[name] = str(spec.get("default", ""))
    ctx = Context(inputs)
    ctx.workdir = workdir
    if action["runs"]["using"] != "composite":
        raise SystemExit("not a composite action")
    trace = []
    for n, step in enumerate(action["runs"]["steps"]):
        entry = {"id": step.get("id"), "name": step.get("name"), "ran": False}
        trace.append(entry)
        if not condition(step, ctx):
            continue
        entry["ran"] = True
        if "uses" in step:
            entry["uses"] = step["uses"]
            entry["with"] = {k: interpolate(v, ctx) for k, v in (step.get("with") or {}).items()}
            continue
        env = dict(os.environ)
        env.update({k: interpolate(v, ctx) for k, v in (step.get("env") or {}).items()})
        outputs = os.path.join(workdir, f".github-output-{n}")
        open(outputs, "w").close()
        env.update({"GITHUB_ACTION_PATH": ROOT, "GITHUB_OUTPUT": outputs, "GITHUB_WORKSPACE": workdir,
                    "GITHUB_ACTIONS": "true"})
        if step.get("shell") not in ("sh", "bash"):
            raise SystemExit(f"step {n}: shell {step.get('shell')!r} is not run by this test")
        script = os.path.join(workdir, f".github-step-{n}.sh")
        with open(script, "w") as f:
            f.write(step["run"])
        p = subprocess.run([step["shell"], "-e", script], cwd=workdir, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        entry.update(exit=p.returncode, stdout=p.stdout, stderr=p.stderr)
        if step.get("id"):
            ctx.steps[step["id"]] = {"outputs": parse_outputs(outputs)}
        if p.returncode != 0:
            ctx.failed = True
    result = {
        "steps": trace,
        "outputs": {k: interpolate(v.get("value", ""), ctx) for k, v in (action.get("outputs") or {}).items()},
        "conclusion": "failure" if ctx.failed else "success",
    }
    print(json.dumps(result, indent=1))


def expand(text, variables):
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: variables.get(m.group(1), ""), text)


def run_gitlab(template, job_name, workdir, variables_json):
    doc = yaml.safe_load(open(template, encoding="utf-8"))
    job = doc[job_name]
    variables = {k: str(v) for k, v in (job.get("variables") or {}).items()}
    variables.update({k: str(v) for k, v in json.loads(variables_json).items()})
    variables.setdefault("CI_PROJECT_DIR", workdir)
    env = dict(os.environ)
    env.update(variables)
    script = "\n".join(job["script"])
    path = os.path.join(workdir, ".gitlab-script.sh")
    with open(path, "w") as f:
        f.write(script + "\n")
    p = subprocess.run(["sh", "-e", path], cwd=workdir, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    art = job.get("artifacts") or {}
    image = job.get("image")
    image = image.get("name") if isinstance(image, dict) else image
    result = {
        "exit": p.returncode,
        "stdout": p.stdout,
        "stderr": p.stderr,
        "image": expand(image or "", variables),
        "when": art.get("when"),
        "paths": [expand(x, variables) for x in art.get("paths") or []],
        "reports": {k: expand(v, variables) for k, v in (art.get("reports") or {}).items()},
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "action":
        run_action(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == "gitlab":
        run_gitlab(*sys.argv[2:])
    else:
        sys.exit(__doc__)
