# modelgate in a container, on Debian bookworm. Two stages: the first builds
# and `make install`s into a staging root with scripts/install-deps --build's
# packages; the second holds only the shared libraries the binary and its
# plugins load (scripts/install-deps --runtime), the installed tree (binary,
# plugins, rules, report stylesheets, modelgate-ci) and a user without
# privileges. tests/integrations/docker.sh runs these steps' scripts here.
#
#   docker build -t modelgate .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/scan" modelgate \
#       scan vendor-model.tar.zst --html report.html --junit junit.xml
#
# The entry point is modelgate itself; modelgate-ci (the CI entry script) is
# on PATH for CI jobs that use this image (GitLab: image entrypoint [""]).

FROM debian:bookworm-slim AS build
WORKDIR /src
# The package list first, so that the layer survives source changes.
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps --build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN ./bootstrap \
 && mkdir -p /build && cd /build \
 && /src/configure --quiet --prefix=/usr/local \
 && make -j"$(nproc)" \
 && make install-strip DESTDIR=/staging \
 && rm -rf /staging/usr/local/include /staging/usr/local/lib/pkgconfig \
 && find /staging -name '*.la' -delete \
 && /staging/usr/local/bin/modelgate --help >/dev/null

FROM debian:bookworm-slim
COPY scripts/install-deps /tmp/install-deps
RUN /tmp/install-deps --runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps
COPY --from=build /staging/usr/local/ /usr/local/
RUN useradd --system --uid 10001 --user-group --home-dir /scan --shell /usr/sbin/nologin modelgate \
 && mkdir -p /scan && chown modelgate:modelgate /scan \
 && modelgate plugins >/dev/null
USER modelgate
WORKDIR /scan
ENTRYPOINT ["modelgate"]
CMD ["--help"]
