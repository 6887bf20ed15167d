# rules/: data files loaded (and schema-validated) at run time, installed
# under $(pkgdatadir)/rules. atlas.xml is generated: scripts/gen-atlas-catalog.
dist_rules_DATA += rules/atlas.xml rules/atlas.rng rules/checklist.xml rules/checklist.rng \
	rules/policy.xml rules/policy.rng
dist_rules_DATA += rules/format-list.rng
