<?xml version="1.0" encoding="UTF-8"?>
<!-- modelgate: the reviewer's HTML report, a view of the results document
     (docs/results.md).

     One self-contained HTML5 file: inline CSS, a few lines of inline script
     that only open collapsed parts for printing, pictures embedded as
     data: URIs, and no other resource (no <link>, no remote fonts, images
     or scripts), so it can be mailed, archived and opened offline. Links
     point to atlas.mitre.org only as anchors. Everything from the results
     is text: the XSLT processor escapes it (and, for method="html", writes
     the charset meta element itself).

     Replace it with: modelgate scan ... -\-stylesheet html=FILE -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="html" encoding="UTF-8" indent="no"/>

  <!-- Rows of a finding's samples shown before "more". -->
  <xsl:param name="sample-rows" select="20"/>
  <!-- Evidence nested deeper than this is shown as compact text. -->
  <xsl:param name="evidence-depth" select="6"/>
  <!-- Pictures are scaled by a whole factor to about this height, and no
       wider than the second value. -->
  <xsl:param name="image-size" select="168"/>
  <xsl:param name="image-max-width" select="1000"/>

  <xsl:key name="finding" match="/modelgate-results/findings/finding" use="@id"/>
  <xsl:key name="atlas" match="/modelgate-results/atlas/*" use="@id"/>
  <xsl:key name="artifact" match="/modelgate-results/artifacts/artifact" use="@path"/>
  <xsl:key name="control" match="/modelgate-results/checklist/section/control" use="@id"/>
  <xsl:key name="plugin" match="/modelgate-results/plugins/plugin" use="@name"/>

  <xsl:variable name="root" select="/modelgate-results"/>
  <!-- The package's name, else the path it was given as. -->
  <xsl:variable name="pkg-label">
    <xsl:choose>
      <xsl:when test="string($root/package/@name) != ''"><xsl:value-of select="$root/package/@name"/></xsl:when>
      <xsl:when test="string($root/package/@path) != ''"><xsl:value-of select="$root/package/@path"/></xsl:when>
      <xsl:otherwise>package</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="severities" select="'critical high medium low info'"/>

  <xsl:template match="/">
    <xsl:text disable-output-escaping="yes">&lt;!DOCTYPE html&gt;&#10;</xsl:text>
    <xsl:apply-templates select="modelgate-results"/>
  </xsl:template>

  <xsl:template match="modelgate-results">
    <html lang="en">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="generator" content="modelgate {@tool-version}"/>
        <title>
          <xsl:value-of select="concat('modelgate: ', translate(@verdict, 'pasfilerro', 'PASFILERRO'),
                                ' ', $pkg-label)"/>
        </title>
        <style>
          <xsl:call-template name="css"/>
        </style>
      </head>
      <body>
        <xsl:call-template name="banner"/>
        <nav class="toc" aria-label="contents">
          <a href="#package">Package</a>
          <a href="#artifacts">Files (<xsl:value-of select="count(artifacts/artifact)"/>)</a>
          <a href="#checklist">Checklist</a>
          <a href="#findings">Findings (<xsl:value-of select="count(findings/finding)"/>)</a>
          <a href="#plugins">Plugins (<xsl:value-of select="count(plugins/plugin)"/>)</a>
          <a href="#atlas">ATLAS</a>
        </nav>
        <main>
          <xsl:call-template name="package"/>
          <xsl:call-template name="checklist"/>
          <xsl:call-template name="findings"/>
          <xsl:call-template name="plugins"/>
          <xsl:call-template name="atlas"/>
        </main>
        <footer>
          <xsl:value-of select="concat('modelgate ', @tool-version, ', ', @command, ' started ',
                                @started, ', ', @seconds, ' s; MITRE ATLAS ', @atlas-version,
                                '; exit status ', @exit-code, '.')"/>
        </footer>
        <script>
          <xsl:text>window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.setAttribute('data-was',d.open?'1':'0');d.open=true;});});window.addEventListener('afterprint',function(){document.querySelectorAll('details[data-was]').forEach(function(d){d.open=d.getAttribute('data-was')==='1';});});</xsl:text>
        </script>
      </body>
    </html>
  </xsl:template>

  <!-- The verdict and why: the first thing a reviewer reads. -->
  <xsl:template name="banner">
    <xsl:variable name="v" select="@verdict"/>
    <header class="banner banner-{$v}" id="verdict">
      <div class="verdict-word">
        <span aria-hidden="true" class="icon">
          <xsl:choose>
            <xsl:when test="$v = 'pass'">&#10003;</xsl:when>
            <xsl:when test="$v = 'fail'">&#10007;</xsl:when>
            <xsl:otherwise>!</xsl:otherwise>
          </xsl:choose>
        </span>
        <xsl:choose>
          <xsl:when test="$v = 'pass'">PASS</xsl:when>
          <xsl:when test="$v = 'fail'">FAIL</xsl:when>
          <xsl:otherwise>ERROR</xsl:otherwise>
        </xsl:choose>
      </div>
      <div class="verdict-body">
        <div class="verdict-pkg"><xsl:value-of select="$pkg-label"/></div>
        <div class="verdict-line">
          <xsl:choose>
            <xsl:when test="$v = 'pass'">
              <xsl:value-of select="concat('The gate passed: no finding at or above ', @fail-on,
                                    ', no failed control, every required control passed and every plugin completed.')"/>
            </xsl:when>
            <xsl:when test="$v = 'fail'">
              <xsl:value-of select="concat('The gate failed (fail-on ', @fail-on, '):')"/>
            </xsl:when>
            <xsl:otherwise>The scan could not be completed, so the gate cannot pass:</xsl:otherwise>
          </xsl:choose>
        </div>
        <xsl:if test="$v != 'pass'">
          <ul class="reasons">
            <xsl:if test="error">
              <li>
                <strong>scan error</strong>
                <xsl:value-of select="concat(' (', error/@code, '): ', error)"/>
              </li>
            </xsl:if>
            <xsl:for-each select="findings/finding[@fails-gate = 'true']">
              <xsl:sort select="string-length(substring-before($severities, @severity))"
                        data-type="number"/>
              <li>
                <a href="#{@id}"><xsl:value-of select="@id"/></a>
                <xsl:text> </xsl:text>
                <xsl:call-template name="severity-badge"/>
                <xsl:text> </xsl:text>
                <xsl:value-of select="title"/>
                <xsl:if test="artifact">
                  <xsl:text> — </xsl:text><code><xsl:value-of select="artifact"/></code>
                </xsl:if>
              </li>
            </xsl:for-each>
            <xsl:for-each select="checklist/section/control[@fails-gate = 'true']">
              <li>
                <a href="#{@id}"><xsl:value-of select="@id"/></a>
                <xsl:text> </xsl:text>
                <xsl:call-template name="status-badge"/>
                <xsl:text> </xsl:text>
                <xsl:value-of select="title"/>
                <xsl:if test="@status != 'fail'"> (required by the policy)</xsl:if>
                <xsl:value-of select="concat(': ', note)"/>
              </li>
            </xsl:for-each>
            <xsl:for-each select="checklist/section/control[@required = 'true' and @status = 'error']">
              <li>
                <a href="#{@id}"><xsl:value-of select="@id"/></a>
                <xsl:text> </xsl:text>
                <xsl:call-template name="status-badge"/>
                <xsl:text> </xsl:text>
                <xsl:value-of select="title"/>
                <xsl:value-of select="concat(' (required by the policy; its evidence is missing): ', note)"/>
              </li>
            </xsl:for-each>
            <xsl:for-each select="plugins/plugin[@status = 'error' or @status = 'timeout']">
              <li>
                <xsl:text>plugin </xsl:text>
                <a href="#plugin-{@name}"><xsl:value-of select="@name"/></a>
                <xsl:text> </xsl:text>
                <xsl:call-template name="status-badge"/>
                <xsl:value-of select="concat(' ', message)"/>
              </li>
            </xsl:for-each>
          </ul>
        </xsl:if>
        <div class="verdict-digest">
          <xsl:text>sha256 </xsl:text>
          <code><xsl:value-of select="package/@sha256"/></code>
        </div>
      </div>
    </header>
  </xsl:template>

  <xsl:template name="package">
    <section id="package">
      <h2>Package</h2>
      <div class="cols">
        <table class="kv">
          <tr><th>Name</th><td><xsl:value-of select="package/@name"/></td></tr>
          <tr><th>Path</th><td><code><xsl:value-of select="package/@path"/></code>
            <xsl:if test="package/@directory = 'true'"> (directory)</xsl:if></td></tr>
          <tr><th>sha256</th><td><code class="digest"><xsl:value-of select="package/@sha256"/></code></td></tr>
          <tr><th>Files</th><td><xsl:value-of select="count(artifacts/artifact)"/></td></tr>
          <tr><th>Registry</th><td>
            <xsl:choose>
              <xsl:when test="registry">
                <code><xsl:value-of select="registry/@path"/></code>
                <xsl:value-of select="concat(', signature ', registry/@signature)"/>
              </xsl:when>
              <xsl:otherwise>none given (digests not checked against a registry)</xsl:otherwise>
            </xsl:choose>
          </td></tr>
          <tr><th>Scan</th><td>
            <xsl:value-of select="concat(@command, ', started ', @started, ', ', @seconds,
                                  ' s, fail-on ', @fail-on, ', exit status ', @exit-code)"/>
          </td></tr>
        </table>
        <table class="summary">
          <tr>
            <th>Findings</th>
            <td>
              <xsl:call-template name="counts">
                <xsl:with-param name="items" select="findings/finding"/>
                <xsl:with-param name="attr" select="'severity'"/>
                <xsl:with-param name="values" select="$severities"/>
              </xsl:call-template>
              <xsl:if test="not(findings/finding)">none</xsl:if>
            </td>
          </tr>
          <tr>
            <th>Controls</th>
            <td>
              <xsl:call-template name="counts">
                <xsl:with-param name="items" select="checklist/section/control"/>
                <xsl:with-param name="values" select="'fail error pass attested not-evaluated'"/>
              </xsl:call-template>
              <xsl:if test="not(checklist/section/control)">not evaluated</xsl:if>
            </td>
          </tr>
          <tr>
            <th>Plugins</th>
            <td>
              <xsl:call-template name="counts">
                <xsl:with-param name="items" select="plugins/plugin"/>
                <xsl:with-param name="values" select="'error timeout ok skipped'"/>
              </xsl:call-template>
              <xsl:if test="not(plugins/plugin)">none ran</xsl:if>
            </td>
          </tr>
        </table>
      </div>
      <h3 id="artifacts">Files and registry status</h3>
      <xsl:choose>
        <xsl:when test="artifacts/artifact">
          <table class="grid files">
            <thead>
              <tr><th>File</th><th>Role</th><th class="num">Size</th><th>Registry</th><th>sha256</th></tr>
            </thead>
            <tbody>
              <xsl:for-each select="artifacts/artifact">
                <tr class="reg-row-{@registry}">
                  <td>
                    <code><xsl:value-of select="@path"/></code>
                    <xsl:if test="@container">
                      <div class="sub">inside <code><xsl:value-of select="@container"/></code></div>
                    </xsl:if>
                    <xsl:if test="note"><div class="sub"><xsl:value-of select="note"/></div></xsl:if>
                  </td>
                  <td><xsl:value-of select="@role"/></td>
                  <td class="num"><xsl:value-of select="@size"/></td>
                  <td>
                    <xsl:call-template name="registry-badge"/>
                    <xsl:if test="@registry-name and @registry-name != @path">
                      <div class="sub">entry <code><xsl:value-of select="@registry-name"/></code></div>
                    </xsl:if>
                  </td>
                  <td><code class="digest"><xsl:value-of select="@sha256"/></code></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </xsl:when>
        <xsl:otherwise><p class="empty">No files were inventoried.</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template name="checklist">
    <section id="checklist">
      <h2>Checklist</h2>
      <xsl:if test="not(checklist/section)">
        <p class="empty">The checklist was not evaluated: the scan stopped before it.</p>
      </xsl:if>
      <xsl:for-each select="checklist/section">
        <h3><xsl:value-of select="@title"/></h3>
        <table class="grid controls">
          <thead>
            <tr><th class="c-id">Control</th><th class="c-st">Status</th><th>Evidence</th><th class="c-atlas">ATLAS</th></tr>
          </thead>
          <tbody>
            <xsl:for-each select="control">
              <tr id="{@id}" class="row-{@status}">
                <td>
                  <strong><xsl:value-of select="@id"/></strong>
                  <xsl:text> </xsl:text>
                  <xsl:value-of select="title"/>
                  <div class="sub"><xsl:value-of select="text"/></div>
                </td>
                <td>
                  <xsl:call-template name="status-badge"/>
                  <xsl:if test="@required = 'true'"><div class="sub">required</div></xsl:if>
                  <xsl:if test="@fails-gate = 'true'"><div class="sub gate">fails the gate</div></xsl:if>
                  <xsl:if test="@decided-by">
                    <div class="sub decided-{@decided-by}">
                      <xsl:value-of select="concat('decided by the ', @decided-by)"/>
                      <xsl:if test="@decided-by = 'vendor'"> (vendor attestation)</xsl:if>
                      <xsl:if test="@decided-by = 'reviewer'"> (waiver)</xsl:if>
                    </div>
                  </xsl:if>
                </td>
                <td>
                  <div><xsl:value-of select="note"/></div>
                  <xsl:for-each select="fact">
                    <div class="sub">
                      <xsl:value-of select="concat(@source, ' ', @result, ': ', .)"/>
                    </div>
                  </xsl:for-each>
                  <xsl:if test="attestation">
                    <blockquote class="attestation">
                      <strong>Vendor attestation: </strong>
                      <xsl:value-of select="attestation"/>
                      <div class="sub">
                        <xsl:value-of select="concat('— ', attestation/@by, ', ', attestation/@date)"/>
                      </div>
                    </blockquote>
                  </xsl:if>
                  <xsl:if test="evidence-source">
                    <div class="sub">
                      <xsl:text>evidence from: </xsl:text>
                      <xsl:for-each select="evidence-source">
                        <xsl:if test="position() &gt; 1">, </xsl:if>
                        <xsl:choose>
                          <xsl:when test="key('plugin', .)">
                            <a href="#plugin-{.}"><xsl:value-of select="."/></a>
                          </xsl:when>
                          <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
                        </xsl:choose>
                      </xsl:for-each>
                    </div>
                  </xsl:if>
                  <xsl:if test="finding">
                    <div class="sub">
                      <xsl:text>findings: </xsl:text>
                      <xsl:for-each select="finding">
                        <xsl:if test="position() &gt; 1">, </xsl:if>
                        <a href="#{@ref}"><xsl:value-of select="@ref"/></a>
                        <xsl:for-each select="key('finding', @ref)">
                          <xsl:value-of select="concat(' (', @severity, ')')"/>
                        </xsl:for-each>
                      </xsl:for-each>
                    </div>
                  </xsl:if>
                </td>
                <td>
                  <xsl:call-template name="atlas-links">
                    <xsl:with-param name="refs" select="technique | mitigation"/>
                    <xsl:with-param name="short" select="true()"/>
                  </xsl:call-template>
                </td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:for-each>
    </section>
  </xsl:template>

  <!-- The reviewer's decisions: a waived finding says who waived it and
       why; the baseline and waivers get one summary line each. -->
  <xsl:template match="waived">
    <p class="waived">
      <strong>Waived by the reviewer: </strong>
      <xsl:value-of select="concat(., ' (', @by, ', approved ', @on, ', expires ', @expires,
                                   ', waiver ', @waiver, ')')"/>
    </p>
  </xsl:template>

  <xsl:template match="baseline">
    <p class="summary baseline">
      <xsl:value-of select="concat('Since the baseline (', @path, ', ', @started, '): ', @new,
                                   ' new, ', @unchanged, ' unchanged, ', @gone, ' gone')"/>
      <xsl:for-each select="gone">
        <xsl:value-of select="concat(substring('; gone: ', 1 + 8 * (position() &gt; 1)),
                                     substring(', ', 1, 2 * (position() &gt; 1)),
                                     @id, ' [', @severity, '] ', .)"/>
      </xsl:for-each>
    </p>
  </xsl:template>

  <xsl:template match="waivers">
    <p class="summary waivers">
      <xsl:value-of select="concat('Waivers (', @path, '): ', count(waiver[@state = 'applied']),
                                   ' applied')"/>
      <xsl:for-each select="waiver[@state != 'applied']">
        <xsl:value-of select="concat('; ', @id, ' ', @state, ' (waives nothing)')"/>
      </xsl:for-each>
    </p>
  </xsl:template>

  <xsl:template name="findings">
    <section id="findings">
      <h2>Findings</h2>
      <xsl:apply-templates select="baseline | waivers"/>
      <xsl:if test="not(findings/finding)">
        <p class="empty">No findings.</p>
      </xsl:if>
      <xsl:for-each select="findings/finding">
        <xsl:sort select="string-length(substring-before($severities, @severity))" data-type="number"/>
        <xsl:apply-templates select="."/>
      </xsl:for-each>
    </section>
  </xsl:template>

  <xsl:template match="finding">
    <article class="finding sev-{@severity}" id="{@id}">
      <h3>
        <xsl:call-template name="severity-badge"/>
        <xsl:text> </xsl:text>
        <span class="fid"><xsl:value-of select="@id"/></span>
        <xsl:text> </xsl:text>
        <xsl:value-of select="title"/>
        <xsl:if test="@fails-gate = 'true'"><span class="gate"> fails the gate</span></xsl:if>
        <xsl:if test="waived"> <span class="badge waived">waived</span></xsl:if>
        <xsl:if test="@baseline = 'new'"> <span class="badge new">new</span></xsl:if>
      </h3>
      <xsl:apply-templates select="waived"/>
      <xsl:if test="message">
        <p class="message"><xsl:value-of select="message"/></p>
      </xsl:if>
      <xsl:if test="correlation">
        <p class="correlation">
          <strong>Correlated: </strong>
          <xsl:value-of select="concat('severity ', correlation)"/>
        </p>
      </xsl:if>
      <table class="kv">
        <tr>
          <th>Rule</th>
          <td>
            <code><xsl:value-of select="@rule"/></code>
            <xsl:text> from </xsl:text>
            <xsl:choose>
              <xsl:when test="key('plugin', @plugin)">
                <a href="#plugin-{@plugin}"><xsl:value-of select="@plugin"/></a>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="@plugin"/></xsl:otherwise>
            </xsl:choose>
            <xsl:if test="@reported-severity != @severity">
              <xsl:value-of select="concat(' (reported as ', @reported-severity, ')')"/>
            </xsl:if>
          </td>
        </tr>
        <xsl:if test="artifact">
          <tr>
            <th>Artifact</th>
            <td>
              <code><xsl:value-of select="artifact"/></code>
              <xsl:for-each select="key('artifact', artifact)">
                <div class="sub">sha256 <code class="digest"><xsl:value-of select="@sha256"/></code></div>
              </xsl:for-each>
            </td>
          </tr>
        </xsl:if>
        <xsl:if test="location">
          <tr><th>Location</th><td><xsl:value-of select="location"/></td></tr>
        </xsl:if>
        <xsl:if test="@label">
          <tr><th>Class</th><td>label <strong><xsl:value-of select="@label"/></strong></td></tr>
        </xsl:if>
        <xsl:if test="@score">
          <tr><th>Score</th><td><xsl:value-of select="@score"/></td></tr>
        </xsl:if>
        <xsl:if test="samples">
          <tr>
            <th>Samples</th>
            <td>
              <xsl:value-of select="concat(samples/@count, ' row(s) of the ', samples/@dataset,
                                    ' set (0-based): ')"/>
              <code class="rows">
                <xsl:call-template name="first-rows">
                  <xsl:with-param name="rows" select="samples"/>
                </xsl:call-template>
              </code>
              <xsl:if test="samples/@count &gt; $sample-rows">
                <details>
                  <summary>
                    <xsl:choose>
                      <xsl:when test="samples/@truncated = 'true'">
                        <xsl:text>more rows (the first of them; the JSON report lists all)</xsl:text>
                      </xsl:when>
                      <xsl:otherwise>all rows</xsl:otherwise>
                    </xsl:choose>
                  </summary>
                  <code class="rows"><xsl:value-of select="samples"/></code>
                </details>
              </xsl:if>
            </td>
          </tr>
        </xsl:if>
        <xsl:if test="technique">
          <tr>
            <th>ATLAS techniques</th>
            <td>
              <xsl:call-template name="atlas-links">
                <xsl:with-param name="refs" select="technique"/>
              </xsl:call-template>
            </td>
          </tr>
        </xsl:if>
        <xsl:if test="mitigation">
          <tr>
            <th>Mitigations</th>
            <td>
              <xsl:call-template name="atlas-links">
                <xsl:with-param name="refs" select="mitigation"/>
              </xsl:call-template>
            </td>
          </tr>
        </xsl:if>
        <xsl:if test="control">
          <tr>
            <th>Controls</th>
            <td>
              <xsl:for-each select="control">
                <xsl:if test="position() &gt; 1">, </xsl:if>
                <xsl:choose>
                  <xsl:when test="key('control', @ref)">
                    <a href="#{@ref}"><xsl:value-of select="@ref"/></a>
                    <xsl:value-of select="concat(' ', key('control', @ref)/title)"/>
                  </xsl:when>
                  <xsl:otherwise><xsl:value-of select="@ref"/></xsl:otherwise>
                </xsl:choose>
              </xsl:for-each>
            </td>
          </tr>
        </xsl:if>
        <xsl:if test="evidence">
          <tr>
            <th>Evidence</th>
            <td><div class="ev-wrap"><xsl:apply-templates select="evidence/*"/></div></td>
          </tr>
        </xsl:if>
      </table>
    </article>
  </xsl:template>

  <xsl:template name="plugins">
    <section id="plugins">
      <h2>Plugins</h2>
      <xsl:choose>
        <xsl:when test="plugins/plugin">
          <table class="grid plugins">
            <thead>
              <tr><th>Plugin</th><th>Status</th><th class="num">Time</th><th class="num">Peak RSS</th><th>Message</th><th class="num">Findings</th></tr>
            </thead>
            <tbody>
              <xsl:for-each select="plugins/plugin">
                <xsl:variable name="name" select="@name"/>
                <tr class="row-{@status}">
                  <td><a href="#plugin-{@name}"><xsl:value-of select="@name"/></a>
                    <xsl:value-of select="concat(' ', @version)"/></td>
                  <td><xsl:call-template name="status-badge"/></td>
                  <td class="num"><xsl:value-of select="concat(format-number(@seconds, '0.00'), ' s')"/></td>
                  <td class="num"><xsl:value-of select="concat(format-number(@peak-rss-kib div 1024, '0.0'), ' MiB')"/></td>
                  <td><xsl:value-of select="message"/></td>
                  <td class="num"><xsl:value-of select="count($root/findings/finding[@plugin = $name])"/></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
          <xsl:apply-templates select="plugins/plugin"/>
        </xsl:when>
        <xsl:otherwise><p class="empty">No plugins ran.</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template match="plugin">
    <xsl:variable name="name" select="@name"/>
    <article class="plugin" id="plugin-{@name}">
      <h3>
        <xsl:value-of select="concat(@name, ' ', @version, ' ')"/>
        <xsl:call-template name="status-badge"/>
      </h3>
      <xsl:if test="description"><p class="sub"><xsl:value-of select="description"/></p></xsl:if>
      <table class="kv">
        <tr><th>Run</th><td>
          <xsl:value-of select="concat(@status, ' after ', @seconds, ' s; peak RSS ',
                                @peak-rss-kib, ' KiB')"/>
        </td></tr>
        <xsl:if test="message"><tr><th>Message</th><td><xsl:value-of select="message"/></td></tr></xsl:if>
        <xsl:if test="control">
          <tr><th>Controls</th><td>
            <xsl:for-each select="control">
              <xsl:if test="position() &gt; 1">, </xsl:if>
              <a href="#{@ref}"><xsl:value-of select="@ref"/></a>
            </xsl:for-each>
          </td></tr>
        </xsl:if>
        <xsl:if test="$root/findings/finding[@plugin = $name]">
          <tr><th>Findings</th><td>
            <xsl:for-each select="$root/findings/finding[@plugin = $name]">
              <xsl:if test="position() &gt; 1">, </xsl:if>
              <a href="#{@id}"><xsl:value-of select="@id"/></a>
              <xsl:value-of select="concat(' (', @severity, ')')"/>
            </xsl:for-each>
          </td></tr>
        </xsl:if>
        <xsl:if test="evidence">
          <tr><th>Evidence</th><td><div class="ev-wrap"><xsl:apply-templates select="evidence/*"/></div></td></tr>
        </xsl:if>
      </table>
      <xsl:if test="image">
        <div class="images">
          <xsl:apply-templates select="image"/>
        </div>
      </xsl:if>
    </article>
  </xsl:template>

  <!-- A plugin's picture, scaled by a whole factor with square pixels so a
       28x28 mask stays legible. Only PNG from the results is embedded. -->
  <xsl:template match="image">
    <figure>
      <xsl:choose>
        <xsl:when test="@mime = 'image/png'">
          <!-- The largest whole factor that keeps the height near
               $image-size and the width within $image-max-width. -->
          <xsl:variable name="by-height" select="floor($image-size div @height)"/>
          <xsl:variable name="by-width" select="floor($image-max-width div @width)"/>
          <xsl:variable name="zoom">
            <xsl:choose>
              <xsl:when test="not(@width &gt; 0 and @height &gt; 0)">0</xsl:when>
              <xsl:when test="$by-height &lt; 1 or $by-width &lt; 1">1</xsl:when>
              <xsl:when test="$by-height &lt; $by-width"><xsl:value-of select="$by-height"/></xsl:when>
              <xsl:otherwise><xsl:value-of select="$by-width"/></xsl:otherwise>
            </xsl:choose>
          </xsl:variable>
          <img class="px" alt="{@name}"
               src="data:image/png;base64,{translate(., ' &#9;&#10;&#13;', '')}">
            <xsl:if test="$zoom &gt; 0">
              <xsl:attribute name="width"><xsl:value-of select="@width * $zoom"/></xsl:attribute>
              <xsl:attribute name="height"><xsl:value-of select="@height * $zoom"/></xsl:attribute>
            </xsl:if>
          </img>
        </xsl:when>
        <xsl:otherwise>
          <div class="empty">(not a PNG picture: not shown)</div>
        </xsl:otherwise>
      </xsl:choose>
      <figcaption>
        <strong><xsl:value-of select="@name"/></strong>
        <xsl:if test="string(@caption)"><xsl:value-of select="concat(': ', @caption)"/></xsl:if>
        <xsl:if test="@width">
          <span class="sub"><xsl:value-of select="concat(' (', @width, '&#215;', @height, ')')"/></span>
        </xsl:if>
      </figcaption>
    </figure>
  </xsl:template>

  <xsl:template name="atlas">
    <section id="atlas">
      <h2>MITRE ATLAS <xsl:value-of select="@atlas-version"/></h2>
      <xsl:choose>
        <xsl:when test="atlas/*">
          <table class="grid">
            <thead><tr><th>ID</th><th>Kind</th><th>Name</th></tr></thead>
            <tbody>
              <xsl:for-each select="atlas/technique | atlas/mitigation">
                <tr>
                  <td>
                    <xsl:call-template name="atlas-link">
                      <xsl:with-param name="id" select="@id"/>
                      <xsl:with-param name="text" select="@id"/>
                    </xsl:call-template>
                  </td>
                  <td><xsl:value-of select="local-name()"/></td>
                  <td><xsl:value-of select="@name"/></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </xsl:when>
        <xsl:otherwise><p class="empty">No ATLAS entries are referred to.</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- Links only to atlas.mitre.org; anything else stays text. -->
  <xsl:template name="atlas-link">
    <xsl:param name="id"/>
    <xsl:param name="text"/>
    <xsl:variable name="entry" select="key('atlas', $id)"/>
    <xsl:choose>
      <xsl:when test="starts-with($entry/@url, 'https://atlas.mitre.org/')">
        <a class="atlas" href="{$entry/@url}" title="{$entry/@name}"><xsl:value-of select="$text"/></a>
      </xsl:when>
      <xsl:otherwise><span class="atlas"><xsl:value-of select="$text"/></span></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="atlas-links">
    <xsl:param name="refs"/>
    <xsl:param name="short" select="false()"/>
    <ul class="atlas-list">
      <xsl:for-each select="$refs">
        <li>
          <xsl:call-template name="atlas-link">
            <xsl:with-param name="id" select="@ref"/>
            <xsl:with-param name="text" select="@ref"/>
          </xsl:call-template>
          <xsl:if test="not($short)">
            <xsl:variable name="entry" select="key('atlas', @ref)"/>
            <xsl:if test="$entry">
              <xsl:value-of select="concat(' ', $entry/@name)"/>
            </xsl:if>
          </xsl:if>
        </li>
      </xsl:for-each>
    </ul>
  </xsl:template>

  <xsl:template name="first-rows">
    <xsl:param name="rows"/>
    <xsl:param name="left" select="$sample-rows"/>
    <xsl:variable name="r" select="normalize-space($rows)"/>
    <xsl:choose>
      <xsl:when test="$r = ''"/>
      <xsl:when test="$left &lt;= 0"><xsl:text> …</xsl:text></xsl:when>
      <xsl:when test="contains($r, ' ')">
        <xsl:value-of select="substring-before($r, ' ')"/>
        <xsl:if test="$left &gt; 1"><xsl:text> </xsl:text></xsl:if>
        <xsl:call-template name="first-rows">
          <xsl:with-param name="rows" select="substring-after($r, ' ')"/>
          <xsl:with-param name="left" select="$left - 1"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$r"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "N x badge" for each value of a space-separated list that occurs. -->
  <xsl:template name="counts">
    <xsl:param name="items"/>
    <xsl:param name="attr" select="'status'"/>
    <xsl:param name="values"/>
    <xsl:variable name="v" select="substring-before(concat(normalize-space($values), ' '), ' ')"/>
    <xsl:if test="$v != ''">
      <xsl:variable name="n" select="count($items[@*[local-name() = $attr] = $v])"/>
      <xsl:if test="$n &gt; 0">
        <span class="count">
          <span class="badge {substring($attr, 1, 3)}-{$v}">
            <xsl:call-template name="status-symbol">
              <xsl:with-param name="status" select="$v"/>
            </xsl:call-template>
            <xsl:value-of select="$v"/>
          </span>
          <xsl:value-of select="concat(' ', $n)"/>
        </span>
      </xsl:if>
      <xsl:call-template name="counts">
        <xsl:with-param name="items" select="$items"/>
        <xsl:with-param name="attr" select="$attr"/>
        <xsl:with-param name="values" select="substring-after(normalize-space($values), ' ')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Badges: a word and a symbol as well as a colour. -->
  <xsl:template name="severity-badge">
    <span class="badge sev-{@severity}"><xsl:value-of select="@severity"/></span>
  </xsl:template>

  <xsl:template name="status-badge">
    <span class="badge sta-{@status}">
      <xsl:call-template name="status-symbol">
        <xsl:with-param name="status" select="@status"/>
      </xsl:call-template>
      <xsl:value-of select="@status"/>
    </span>
  </xsl:template>

  <xsl:template name="status-symbol">
    <xsl:param name="status"/>
    <xsl:choose>
      <xsl:when test="$status = 'pass' or $status = 'ok'">&#10003; </xsl:when>
      <xsl:when test="$status = 'fail'">&#10007; </xsl:when>
      <xsl:when test="$status = 'error' or $status = 'timeout'">! </xsl:when>
      <xsl:when test="$status = 'attested'">&#9998; </xsl:when>
      <xsl:when test="$status = 'not-evaluated' or $status = 'skipped'">&#8211; </xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="registry-badge">
    <span class="badge reg-{@registry}">
      <xsl:choose>
        <xsl:when test="@registry = 'approved'">&#10003; </xsl:when>
        <xsl:when test="@registry = 'mismatch' or @registry = 'revoked'">&#10007; </xsl:when>
        <xsl:when test="@registry = 'unknown'">? </xsl:when>
        <xsl:otherwise>&#8211; </xsl:otherwise>
      </xsl:choose>
      <xsl:value-of select="@registry"/>
    </span>
  </xsl:template>

  <!-- Evidence: the JSON the plugin sent, as nested tables. -->
  <xsl:template match="map">
    <xsl:param name="depth" select="0"/>
    <xsl:choose>
      <xsl:when test="not(entry)"><span class="null">{}</span></xsl:when>
      <xsl:when test="$depth &gt;= $evidence-depth">
        <code><xsl:apply-templates select="." mode="text"/></code>
      </xsl:when>
      <xsl:otherwise>
        <table class="ev">
          <xsl:for-each select="entry">
            <tr>
              <th><xsl:value-of select="@key"/></th>
              <td>
                <xsl:apply-templates select="*">
                  <xsl:with-param name="depth" select="$depth + 1"/>
                </xsl:apply-templates>
              </td>
            </tr>
          </xsl:for-each>
        </table>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="list">
    <xsl:param name="depth" select="0"/>
    <xsl:variable name="first-keys" select="*[1]/entry/@key"/>
    <xsl:choose>
      <xsl:when test="not(*)"><span class="null">[]</span></xsl:when>
      <xsl:when test="$depth &gt;= $evidence-depth">
        <code><xsl:apply-templates select="." mode="text"/></code>
      </xsl:when>
      <!-- Scalars: one line. -->
      <xsl:when test="not(map | list)">
        <span class="scalars">
          <xsl:for-each select="*">
            <xsl:if test="position() &gt; 1">, </xsl:if>
            <xsl:apply-templates select="."/>
          </xsl:for-each>
        </span>
        <xsl:call-template name="list-more"/>
      </xsl:when>
      <!-- Records: a table with one column per key of the first. -->
      <xsl:when test="count(map) = count(*) and count($first-keys) &lt;= 12">
        <table class="ev records">
          <tr>
            <xsl:for-each select="$first-keys">
              <th><xsl:value-of select="."/></th>
            </xsl:for-each>
          </tr>
          <xsl:for-each select="map">
            <xsl:variable name="row" select="."/>
            <tr>
              <xsl:for-each select="$first-keys">
                <xsl:variable name="k" select="string(.)"/>
                <td>
                  <xsl:apply-templates select="$row/entry[@key = $k]/*">
                    <xsl:with-param name="depth" select="$depth + 1"/>
                  </xsl:apply-templates>
                </td>
              </xsl:for-each>
            </tr>
          </xsl:for-each>
        </table>
        <xsl:call-template name="list-more"/>
      </xsl:when>
      <xsl:otherwise>
        <ol class="ev" start="0">
          <xsl:for-each select="*">
            <li>
              <xsl:apply-templates select=".">
                <xsl:with-param name="depth" select="$depth + 1"/>
              </xsl:apply-templates>
            </li>
          </xsl:for-each>
        </ol>
        <xsl:call-template name="list-more"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="list-more">
    <xsl:if test="@count &gt; count(*)">
      <div class="sub">
        <xsl:value-of select="concat('… first ', count(*), ' of ', @count, ' shown (the JSON report has all)')"/>
      </div>
    </xsl:if>
  </xsl:template>

  <xsl:template match="string"><span class="str"><xsl:value-of select="."/></span></xsl:template>
  <xsl:template match="number"><span class="num"><xsl:value-of select="."/></span></xsl:template>
  <xsl:template match="bool"><span class="bool"><xsl:value-of select="."/></span></xsl:template>
  <xsl:template match="null"><span class="null">null</span></xsl:template>

  <xsl:template match="map" mode="text">
    <xsl:text>{</xsl:text>
    <xsl:for-each select="entry">
      <xsl:if test="position() &gt; 1"><xsl:text>, </xsl:text></xsl:if>
      <xsl:value-of select="concat(@key, ': ')"/>
      <xsl:apply-templates select="*" mode="text"/>
    </xsl:for-each>
    <xsl:text>}</xsl:text>
  </xsl:template>
  <xsl:template match="list" mode="text">
    <xsl:text>[</xsl:text>
    <xsl:for-each select="*">
      <xsl:if test="position() &gt; 1"><xsl:text>, </xsl:text></xsl:if>
      <xsl:apply-templates select="." mode="text"/>
    </xsl:for-each>
    <xsl:text>]</xsl:text>
  </xsl:template>
  <xsl:template match="string" mode="text">
    <xsl:value-of select="concat('&quot;', ., '&quot;')"/>
  </xsl:template>
  <xsl:template match="number | bool" mode="text"><xsl:value-of select="."/></xsl:template>
  <xsl:template match="null" mode="text">null</xsl:template>

  <xsl:template name="css">
    <xsl:text>
:root{--pass:#1a7f37;--fail:#cf222e;--error:#8250df;--att:#0969da;--ne:#6e7781;--crit:#82071e;--high:#cf222e;--med:#bc4c00;--low:#9a6700;--info:#57606a;--line:#d0d7de;--bg2:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#fff}
main,nav.toc,footer{max-width:1200px;margin:0 auto;padding:0 20px}
h2{font-size:20px;border-bottom:2px solid var(--line);padding-bottom:4px;margin:28px 0 12px}
h3{font-size:16px;margin:18px 0 8px}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg2);padding:1px 4px;border-radius:4px;word-break:break-all}
code.digest{font-size:11.5px}
a{color:#0969da}
.banner{display:flex;gap:24px;align-items:flex-start;padding:20px max(20px,calc((100% - 1160px)/2));color:#fff}
.banner-pass{background:var(--pass)}.banner-fail{background:var(--fail)}.banner-error{background:var(--error)}
.verdict-word{font-size:40px;font-weight:800;letter-spacing:2px;white-space:nowrap}
.verdict-word .icon{margin-right:8px}
.verdict-pkg{font-size:20px;font-weight:600}
.verdict-line{margin:4px 0}
.banner a{color:#fff;font-weight:700}
.banner code{background:rgba(255,255,255,.18);color:#fff}
.banner .badge{border-color:#fff;background:#fff}
ul.reasons{margin:6px 0;padding-left:20px}
ul.reasons li{margin:2px 0}
.verdict-digest{opacity:.9;margin-top:6px}
nav.toc{display:flex;flex-wrap:wrap;gap:14px;padding-top:10px;padding-bottom:10px;border-bottom:1px solid var(--line)}
.cols{display:flex;flex-wrap:wrap;gap:24px}
table{border-collapse:collapse}
table.kv th{text-align:left;vertical-align:top;padding:3px 12px 3px 0;color:#57606a;font-weight:600;white-space:nowrap}
table.kv td{padding:3px 0;vertical-align:top}
table.summary th{text-align:left;padding:4px 12px 4px 0;color:#57606a}
table.summary td{padding:4px 0}
span.count{margin-right:12px;white-space:nowrap}
table.grid{width:100%;border:1px solid var(--line)}
table.grid th,table.grid td{border:1px solid var(--line);padding:6px 8px;vertical-align:top;text-align:left}
table.grid thead th{background:var(--bg2)}
.c-id{width:38%}.c-st{width:9em}.c-atlas{width:11em}
table.plugins td:first-child{white-space:nowrap}
tr.reg-row-mismatch td:first-child,tr.reg-row-revoked td:first-child{border-left:4px solid var(--fail)}
tr.reg-row-unknown td:first-child{border-left:4px solid var(--low)}
td.num,th.num{text-align:right;white-space:nowrap}
tr.row-fail td:first-child{border-left:4px solid var(--fail)}
tr.row-error td:first-child,tr.row-timeout td:first-child{border-left:4px solid var(--error)}
tr.row-pass td:first-child,tr.row-ok td:first-child{border-left:4px solid var(--pass)}
tr.row-attested td:first-child{border-left:4px solid var(--att)}
tr.row-not-evaluated td:first-child,tr.row-skipped td:first-child{border-left:4px solid var(--ne)}
.sub{color:#57606a;font-size:12.5px;margin-top:2px}
.gate{color:var(--fail);font-weight:700;font-size:12.5px}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:700;line-height:18px;border:1px solid;white-space:nowrap;background:#fff}
.sta-pass,.sta-ok,.reg-approved{color:var(--pass)}
.sta-fail,.reg-mismatch,.reg-revoked{color:#fff;background:var(--fail)!important;border-color:var(--fail)}
.sta-error,.sta-timeout{color:#fff;background:var(--error)!important;border-color:var(--error)}
.sta-attested{color:var(--att)}
.sta-not-evaluated,.sta-skipped,.reg-not-checked{color:var(--ne)}
.reg-unknown{color:var(--low)}
.badge.sev-critical{color:#fff;background:var(--crit)!important;border-color:var(--crit)}
.badge.sev-high{color:#fff;background:var(--high)!important;border-color:var(--high)}
.badge.sev-medium{color:var(--med)}
.badge.sev-low{color:var(--low)}
.badge.sev-info{color:var(--info)}
article.finding,article.plugin{border:1px solid var(--line);border-left-width:6px;border-radius:6px;padding:4px 14px 10px;margin:12px 0;break-inside:avoid}
article.sev-critical{border-left-color:var(--crit)}article.sev-high{border-left-color:var(--high)}
article.sev-medium{border-left-color:var(--med)}article.sev-low{border-left-color:var(--low)}article.sev-info{border-left-color:var(--info)}
article.plugin{border-left-color:var(--line)}
.fid{color:#57606a;font-weight:600}
p.message{margin:6px 0}
p.correlation{background:#fff8c5;border:1px solid #d4a72c;border-radius:4px;padding:4px 8px}
code.rows{display:inline;word-break:normal}
details{margin-top:4px}
table.ev{border:1px solid var(--line);margin:2px 0;font-size:13px}
.ev-wrap{max-width:100%;overflow-x:auto}
article table.kv{width:100%}
article table.kv>tbody>tr>td,article table.kv>tr>td{max-width:0;width:100%}
table.ev th{background:var(--bg2);text-align:left;font-weight:600;padding:2px 6px;vertical-align:top;border:1px solid var(--line)}
table.ev td{padding:2px 6px;border:1px solid var(--line);vertical-align:top}
ol.ev{margin:0;padding-left:22px}
.str{white-space:pre-wrap;overflow-wrap:break-word}.null{color:#8c959f;font-style:italic}.bool{font-style:italic}
ul.atlas-list{margin:0;padding-left:16px}
.badge.waived{color:#555;border-style:dashed}.badge.new{color:var(--high)}p.waived{margin:4px 0;padding:2px 8px;border-left:3px dashed #777}
blockquote.attestation{margin:6px 0;padding:4px 10px;border-left:3px solid var(--att);background:#f1f8ff}
.images{display:flex;flex-wrap:wrap;align-items:flex-start;gap:16px;margin-top:8px}
figure{margin:0;max-width:100%;display:table}
img.px{image-rendering:pixelated;image-rendering:crisp-edges;border:1px solid var(--line);background:#fff;max-width:100%;height:auto;display:block}
figcaption{font-size:12.5px;padding-top:4px;display:table-caption;caption-side:bottom;min-width:140px}
p.empty{color:#57606a;font-style:italic}
footer{color:#57606a;font-size:12px;border-top:1px solid var(--line);margin-top:32px;padding-top:8px;padding-bottom:20px}
@media print{
 body{font-size:11px}
 nav.toc{display:none}
 .banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .badge,tr td:first-child,article{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 a{color:inherit;text-decoration:none}
 h2{break-after:avoid}
 tr{break-inside:avoid}
 .ev-wrap{overflow:visible}
}
</xsl:text>
  </xsl:template>
</xsl:stylesheet>
