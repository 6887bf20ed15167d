"""Validates a CycloneDX BOM against the vendored official 1.6 schema
(tests/formats/cyclonedx/, $refs to the SPDX and JSF schemas resolved to
the vendored files, nothing fetched) and checks that every bom-ref a
dependency or vulnerability names exists.

usage: check_cyclonedx.py BOM.json"""
import json
import os
import sys

import jsonschema

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cyclonedx")


def main():
    bom = json.load(open(sys.argv[1]))
    schema = json.load(open(os.path.join(HERE, "bom-1.6.SNAPSHOT.schema.json")))
    store = {}
    for name, uri in (("spdx.SNAPSHOT.schema.json", "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json"),
                      ("jsf-0.82.SNAPSHOT.schema.json", "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json")):
        s = json.load(open(os.path.join(HERE, name)))
        store[uri] = s
        store[s["$id"]] = s
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    jsonschema.Draft7Validator(schema, resolver=resolver,
                               format_checker=jsonschema.FormatChecker()).validate(bom)
    refs = {c["bom-ref"] for c in bom.get("components", [])} | {"package"}
    refs |= {bom["metadata"]["component"]["bom-ref"]}
    for d in bom.get("dependencies", []):
        for r in [d["ref"]] + d.get("dependsOn", []):
            if r not in refs:
                sys.exit("dependency names unknown bom-ref %s" % r)
    for v in bom.get("vulnerabilities", []):
        for a in v.get("affects", []):
            if a["ref"] not in refs:
                sys.exit("vulnerability %s affects unknown bom-ref %s" % (v["id"], a["ref"]))
    print("valid CycloneDX %s BOM: %d components" % (bom["specVersion"], len(bom["components"])))


if __name__ == "__main__":
    main()
