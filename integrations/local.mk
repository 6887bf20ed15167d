# integrations/: the CI integrations (README.md, "CI integrations").
# modelgate-ci, their one entry script, and its summary stylesheet install
# under $(pkgdatadir)/integrations with modelgate-ci linked into $(bindir), so
# that any `make install` (the Docker image's too) has it on PATH. The GitHub
# Action (action.yml), the pre-commit hook (.pre-commit-hooks.yaml,
# integrations/pre-commit-hook), the GitLab template and the Dockerfile are
# used from the repository. tests/integrations runs each of them here.
integrationsdir = $(pkgdatadir)/integrations
dist_integrations_SCRIPTS = integrations/modelgate-ci
dist_integrations_DATA = integrations/summary.xsl

install-data-hook: mg-install-ci-link
uninstall-hook: mg-uninstall-ci-link
mg-install-ci-link:
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	ln -sf '$(integrationsdir)/modelgate-ci' '$(DESTDIR)$(bindir)/modelgate-ci'
mg-uninstall-ci-link:
	rm -f '$(DESTDIR)$(bindir)/modelgate-ci'
.PHONY: mg-install-ci-link mg-uninstall-ci-link

INTEGRATION_TESTS = tests/integrations/entry.sh tests/integrations/pre_commit.sh \
	tests/integrations/templates.sh tests/integrations/docker.sh
TESTS += $(INTEGRATION_TESTS)
# The build log modelgate-ci writes when it builds in this directory.
CLEANFILES += modelgate-ci-build.log
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integrations/lib.sh tests/integrations/run_steps.py \
	integrations/local.mk integrations/pre-commit-hook .pre-commit-hooks.yaml action.yml \
	integrations/gitlab/modelgate.gitlab-ci.yml Dockerfile .dockerignore
