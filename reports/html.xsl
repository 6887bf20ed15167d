<?xml version="1.0" encoding="UTF-8"?>
<!-- modelgate: the reviewer's HTML report, a view of the results document
     (docs/results.md).

     One self-contained HTML5 file: inline CSS, no script, pictures
     embedded as data: URIs and plots as inline SVG, and no other resource
     (no <link>, no remote fonts, images or scripts), so it can be mailed,
     archived and opened offline. Links point to atlas.mitre.org only as
     anchors. Everything from the results is text: the XSLT processor
     escapes it (and, for method="html", writes the charset meta element
     itself).

     Order: the verdict and what was and was not checked, what to do next
     for each failed control, the findings with their evidence beside them
     (pictures of the flagged rows, the plugin's per-class plot, a reversed
     trigger of the same class), the checklist, the package, the plugins,
     ATLAS, and a sign-off block. Raw statistics are in collapsed
     <details>, which stay collapsed when printed (the JSON report has
     them all), so the demo report prints on a few A4 pages.

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
  <!-- Pictures beside a finding (reversed triggers, row thumbnails) are
       zoomed to about this height. -->
  <xsl:param name="figure-size" select="56"/>
  <xsl:param name="thumb-size" select="44"/>

  <xsl:key name="finding" match="/modelgate-results/findings/finding" use="@id"/>
  <xsl:key name="atlas" match="/modelgate-results/atlas/*" use="@id"/>
  <xsl:key name="artifact" match="/modelgate-results/artifacts/artifact" use="@path"/>
  <xsl:key name="control" match="/modelgate-results/checklist/section/control" use="@id"/>
  <xsl:key name="plugin" match="/modelgate-results/plugins/plugin" use="@name"/>
  <xsl:key name="finding-label" match="/modelgate-results/findings/finding[@label]" use="@label"/>
  <!-- Skipped plugins grouped by their reason, for the banner. -->
  <xsl:key name="skip-reason" match="/modelgate-results/plugins/plugin[@status = 'skipped']" use="string(message)"/>

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
          <xsl:if test="checklist/section/control[@fails-gate = 'true' or (@required = 'true' and @status = 'error')]">
            <a href="#next">What to do next</a>
          </xsl:if>
          <a href="#findings">Findings (<xsl:value-of select="count(findings/finding)"/>)</a>
          <a href="#checklist">Checklist</a>
          <a href="#package">Package</a>
          <a href="#artifacts">Files (<xsl:value-of select="count(artifacts/artifact)"/>)</a>
          <a href="#plugins">Plugins (<xsl:value-of select="count(plugins/plugin)"/>)</a>
          <a href="#atlas">ATLAS</a>
          <a href="#signoff">Sign-off</a>
        </nav>
        <main>
          <xsl:call-template name="next-steps"/>
          <xsl:call-template name="findings"/>
          <xsl:call-template name="checklist"/>
          <xsl:call-template name="package"/>
          <xsl:call-template name="plugins"/>
          <xsl:call-template name="atlas"/>
          <xsl:call-template name="signoff"/>
        </main>
        <footer>
          <xsl:value-of select="concat('modelgate ', @tool-version, ', ', @command, ' started ',
                                @started, ', ', @seconds, ' s; MITRE ATLAS ', @atlas-version,
                                '; exit status ', @exit-code, '.')"/>
        </footer>
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
              <xsl:variable name="nf" select="count(findings/finding[@fails-gate = 'true'])"/>
              <xsl:variable name="nc" select="count(checklist/section/control[@fails-gate = 'true'][@status = 'fail'])"/>
              <xsl:variable name="nr" select="count(checklist/section/control[@fails-gate = 'true'][@status != 'fail'])"/>
              <xsl:value-of select="concat('The gate failed (fail-on ', @fail-on, '): ')"/>
              <xsl:if test="$nf &gt; 0">
                <xsl:value-of select="concat($nf, ' finding', substring('s', 1, $nf != 1), ' at or above ', @fail-on)"/>
              </xsl:if>
              <xsl:if test="$nc &gt; 0">
                <xsl:if test="$nf &gt; 0">; </xsl:if>
                <xsl:value-of select="concat($nc, ' control', substring('s', 1, $nc != 1), ' failed')"/>
              </xsl:if>
              <xsl:if test="$nr &gt; 0">
                <xsl:if test="$nf + $nc &gt; 0">; </xsl:if>
                <strong>
                  <xsl:value-of select="concat($nr, ' control', substring('s', 1, $nr != 1),
                                        ' required by the policy ', substring('was', 1, 3 * ($nr = 1)),
                                        substring('were', 1, 4 * ($nr != 1)), ' not evaluated (no evidence for ',
                                        substring('it', 1, 2 * ($nr = 1)), substring('them', 1, 4 * ($nr != 1)), ')')"/>
                </strong>
              </xsl:if>
              <xsl:text>:</xsl:text>
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
        <xsl:call-template name="coverage"/>
        <div class="verdict-digest">
          <xsl:text>sha256 </xsl:text>
          <code><xsl:value-of select="package/@sha256"/></code>
        </div>
      </div>
    </header>
  </xsl:template>

  <!-- What was and was not checked: a pass is only as good as what ran. -->
  <xsl:template name="coverage">
    <xsl:variable name="controls" select="checklist/section/control"/>
    <xsl:variable name="evaluated" select="$controls[@status != 'not-evaluated']"/>
    <xsl:variable name="ne" select="$controls[@status = 'not-evaluated']"/>
    <xsl:variable name="skipped" select="plugins/plugin[@status = 'skipped']"/>
    <div class="coverage" id="coverage">
      <div>
        <strong>Checked: </strong>
        <xsl:choose>
          <xsl:when test="$controls">
            <xsl:value-of select="concat(count($evaluated), ' of ', count($controls), ' controls evaluated')"/>
            <xsl:if test="$evaluated">
              <xsl:text> (</xsl:text>
              <xsl:for-each select="$evaluated[not(@status = preceding::control[@status != 'not-evaluated']/@status)]">
                <xsl:variable name="st" select="@status"/>
                <xsl:if test="position() &gt; 1">, </xsl:if>
                <xsl:value-of select="concat(count($evaluated[@status = $st]), ' ', $st)"/>
              </xsl:for-each>
              <xsl:text>)</xsl:text>
            </xsl:if>
            <xsl:if test="$ne">
              <xsl:text>; not evaluated: </xsl:text>
              <xsl:for-each select="$ne">
                <xsl:if test="position() &gt; 1">, </xsl:if>
                <a href="#{@id}"><xsl:value-of select="@id"/></a>
              </xsl:for-each>
            </xsl:if>
            <xsl:text>. </xsl:text>
          </xsl:when>
          <xsl:otherwise>no control was evaluated. </xsl:otherwise>
        </xsl:choose>
        <xsl:value-of select="concat(count(plugins/plugin[@status = 'ok']), ' of ', count(plugins/plugin),
                              ' plugins completed')"/>
        <xsl:if test="$skipped">
          <xsl:value-of select="concat(', ', count($skipped), ' skipped')"/>
        </xsl:if>
        <xsl:if test="plugins/plugin[@status = 'error' or @status = 'timeout']">
          <xsl:value-of select="concat(', ', count(plugins/plugin[@status = 'error' or @status = 'timeout']), ' failed')"/>
        </xsl:if>
        <xsl:text>.</xsl:text>
      </div>
      <xsl:if test="$skipped">
        <div class="skipped">
          <strong>
            <xsl:choose>
              <xsl:when test="@verdict = 'pass'">Not checked, although the gate passed: </xsl:when>
              <xsl:otherwise>Not checked: </xsl:otherwise>
            </xsl:choose>
          </strong>
          <ul>
            <xsl:for-each select="$skipped[generate-id() = generate-id(key('skip-reason', string(message))[1])]">
              <li>
                <xsl:for-each select="key('skip-reason', string(current()/message))">
                  <xsl:if test="position() &gt; 1">, </xsl:if>
                  <a href="#plugin-{@name}"><xsl:value-of select="@name"/></a>
                </xsl:for-each>
                <xsl:text> skipped: </xsl:text>
                <xsl:value-of select="message"/>
                <xsl:variable name="gave" select="key('skip-reason', string(message))/control/@ref"/>
                <xsl:if test="$gave">
                  <xsl:text> (evidence for </xsl:text>
                  <xsl:for-each select="$controls[@id = $gave]">
                    <xsl:if test="position() &gt; 1">, </xsl:if>
                    <xsl:value-of select="@id"/>
                  </xsl:for-each>
                  <xsl:text>)</xsl:text>
                </xsl:if>
              </li>
            </xsl:for-each>
          </ul>
        </div>
      </xsl:if>
    </div>
  </xsl:template>

  <!-- What to do next: each control that fails the gate (or whose missing
       evidence leaves the scan incomplete), with the checklist's
       remediation and the findings behind it. -->
  <xsl:template name="next-steps">
    <xsl:variable name="todo" select="checklist/section/control[@fails-gate = 'true' or (@required = 'true' and @status = 'error')]"/>
    <xsl:if test="$todo">
      <section id="next">
        <h2>What to do next</h2>
        <ol class="next">
          <xsl:for-each select="$todo">
            <li>
              <a href="#{@id}"><strong><xsl:value-of select="@id"/></strong></a>
              <xsl:text> </xsl:text>
              <xsl:call-template name="status-badge"/>
              <xsl:text> </xsl:text>
              <strong><xsl:value-of select="title"/></strong>
              <xsl:if test="@status != 'fail'">
                <xsl:value-of select="concat(' (required by the policy, ', @status, ')')"/>
              </xsl:if>
              <xsl:if test="finding">
                <xsl:text> — </xsl:text>
                <xsl:for-each select="finding">
                  <xsl:if test="position() &gt; 1">, </xsl:if>
                  <a href="#{@ref}"><xsl:value-of select="@ref"/></a>
                </xsl:for-each>
              </xsl:if>
              <div class="remedy">
                <xsl:choose>
                  <xsl:when test="@status = 'fail' and string(remediation) != ''">
                    <xsl:value-of select="remediation"/>
                  </xsl:when>
                  <xsl:when test="@status = 'fail'">
                    <xsl:value-of select="note"/>
                  </xsl:when>
                  <xsl:otherwise>
                    <!-- not evaluated or its evidence failed: the note says what would evidence it -->
                    <xsl:value-of select="note"/>
                  </xsl:otherwise>
                </xsl:choose>
              </div>
            </li>
          </xsl:for-each>
        </ol>
      </section>
    </xsl:if>
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
            <tr><th class="c-id">Control</th><th class="c-st">Status</th><th>Evidence and ATLAS</th></tr>
          </thead>
          <tbody>
            <xsl:for-each select="control">
              <tr id="{@id}" class="row-{@status}">
                <td>
                  <!-- The checklist's wording where the reviewer must act on it;
                       a tooltip elsewhere, to keep the page short. -->
                  <xsl:if test="not(@status = 'fail' or @status = 'error' or @fails-gate = 'true')">
                    <xsl:attribute name="title"><xsl:value-of select="text"/></xsl:attribute>
                  </xsl:if>
                  <strong><xsl:value-of select="@id"/></strong>
                  <xsl:text> </xsl:text>
                  <xsl:value-of select="title"/>
                  <xsl:if test="@status = 'fail' or @status = 'error' or @fails-gate = 'true'">
                    <div class="sub"><xsl:value-of select="text"/></div>
                  </xsl:if>
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
                  <div class="sub">
                    <xsl:text>ATLAS: </xsl:text>
                    <xsl:call-template name="atlas-links">
                      <xsl:with-param name="refs" select="technique | mitigation"/>
                      <xsl:with-param name="short" select="true()"/>
                    </xsl:call-template>
                  </div>
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
      <xsl:call-template name="class-summaries"/>
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
        <xsl:if test="@label or @score">
          <tr>
            <th>Class, score</th>
            <td>
              <xsl:if test="@label">
                <a href="#class-{@label}">label <strong><xsl:value-of select="@label"/></strong></a>
              </xsl:if>
              <xsl:if test="@label and @score">; </xsl:if>
              <xsl:if test="@score"><xsl:value-of select="concat('score ', @score)"/></xsl:if>
            </td>
          </tr>
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
        <xsl:if test="technique or mitigation">
          <tr>
            <th>ATLAS</th>
            <td>
              <xsl:call-template name="atlas-links">
                <xsl:with-param name="refs" select="technique"/>
              </xsl:call-template>
              <xsl:if test="mitigation">
                <div>
                  <xsl:text>mitigations: </xsl:text>
                  <xsl:call-template name="atlas-links">
                    <xsl:with-param name="refs" select="mitigation"/>
                  </xsl:call-template>
                </div>
              </xsl:if>
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
      </table>
      <xsl:call-template name="finding-figures"/>
      <xsl:if test="evidence">
        <details class="raw">
          <summary>Evidence: the plugin's statistics for this finding</summary>
          <div class="ev-wrap"><xsl:apply-templates select="evidence/*"/></div>
        </details>
      </xsl:if>
    </article>
  </xsl:template>

  <!-- The evidence a reviewer looks at, beside the finding: pictures of the
       flagged rows, the reversed trigger of the same class (any plugin's
       "class-N-..." pictures), and the plugin's per-class plot. -->
  <xsl:template name="finding-figures">
    <xsl:variable name="label" select="string(@label)"/>
    <xsl:variable name="prefix" select="concat('class-', $label, '-')"/>
    <xsl:variable name="own" select="key('plugin', @plugin)"/>
    <xsl:variable name="class-images" select="$own/image[$label != ''][starts-with(@name, $prefix)]"/>
    <xsl:variable name="plot">
      <xsl:apply-templates select="$own" mode="plot">
        <xsl:with-param name="label" select="$label"/>
      </xsl:apply-templates>
    </xsl:variable>
    <xsl:if test="thumbnails or $class-images or string($plot) != ''">
      <div class="figures">
        <xsl:if test="thumbnails">
          <figure class="thumbs">
            <div class="thumb-grid">
              <xsl:for-each select="thumbnails/thumbnail">
                <div class="thumb">
                  <!-- Photographs, not masks: smoothly scaled to $thumb-size. -->
                  <img class="row" alt="row {@row}" src="data:image/png;base64,{translate(., ' &#9;&#10;&#13;', '')}">
                    <xsl:if test="@width &gt; 0 and @height &gt; 0">
                      <xsl:attribute name="width"><xsl:value-of select="round(@width * $thumb-size div @height)"/></xsl:attribute>
                      <xsl:attribute name="height"><xsl:value-of select="$thumb-size"/></xsl:attribute>
                    </xsl:if>
                  </img>
                  <span>
                    <xsl:value-of select="concat('#', @row)"/>
                    <xsl:if test="@label"><xsl:value-of select="concat(' ', '&#8594;', @label)"/></xsl:if>
                  </span>
                </div>
              </xsl:for-each>
            </div>
            <figcaption>
              <xsl:value-of select="concat(count(thumbnails/thumbnail), ' of the ', samples/@count,
                                    ' ', thumbnails/@dataset, ' rows it names (#row ', '&#8594;', ' label), ')"/>
              <xsl:choose>
                <xsl:when test="thumbnails/@order = 'ranked'">in the order the plugin ranks them in its evidence</xsl:when>
                <xsl:otherwise>the first by row index</xsl:otherwise>
              </xsl:choose>
            </figcaption>
          </figure>
        </xsl:if>
        <xsl:if test="$class-images">
          <xsl:call-template name="class-figure">
            <xsl:with-param name="images" select="$class-images"/>
            <xsl:with-param name="prefix" select="$prefix"/>
          </xsl:call-template>
        </xsl:if>
        <xsl:apply-templates select="$own" mode="plot">
          <xsl:with-param name="label" select="$label"/>
        </xsl:apply-templates>
      </div>
    </xsl:if>
  </xsl:template>

  <!-- One plugin's pictures of one class (a reversed mask, pattern and
       trigger) side by side, with the caption of the first. -->
  <xsl:template name="class-figure">
    <xsl:param name="images"/>
    <xsl:param name="prefix"/>
    <figure class="fig">
      <div class="trio">
        <xsl:for-each select="$images">
          <div class="thumb">
            <xsl:call-template name="png">
              <xsl:with-param name="alt" select="@name"/>
              <xsl:with-param name="size" select="$figure-size"/>
            </xsl:call-template>
            <span><xsl:value-of select="substring-after(@name, $prefix)"/></span>
          </div>
        </xsl:for-each>
      </div>
      <figcaption>
        <strong><xsl:value-of select="concat($images[1]/../@name, ': ')"/></strong>
        <xsl:value-of select="$images[1]/@caption"/>
      </figcaption>
    </figure>
  </xsl:template>

  <!-- Per class that findings name: which findings, and what the
       model-side detectors (Neural Cleanse's reversed trigger and ranking)
       say about it, once rather than in every finding. -->
  <xsl:template name="class-summaries">
    <xsl:variable name="nc-plugin" select="key('plugin', 'neural-cleanse')"/>
    <xsl:for-each select="findings/finding[@label][generate-id() = generate-id(key('finding-label', @label)[1])]">
      <xsl:variable name="label" select="string(@label)"/>
      <xsl:variable name="prefix" select="concat('class-', $label, '-')"/>
      <xsl:variable name="of" select="key('finding-label', @label)"/>
      <div class="class-summary" id="class-{$label}">
        <div>
          <strong><xsl:value-of select="concat('Class ', $label, ': ')"/></strong>
          <xsl:value-of select="concat(count($of), ' finding', substring('s', 1, count($of) != 1), ' from ',
                                count($of[not(@plugin = preceding-sibling::finding[@label = $label]/@plugin)]),
                                ' plugin', substring('s', 1, count($of[not(@plugin = preceding-sibling::finding[@label = $label]/@plugin)]) != 1), ': ')"/>
          <xsl:for-each select="$of">
            <xsl:if test="position() &gt; 1">, </xsl:if>
            <a href="#{@id}"><xsl:value-of select="@id"/></a>
            <xsl:value-of select="concat(' ', @plugin, ' (', @severity, ')')"/>
          </xsl:for-each>
        </div>
        <xsl:if test="$nc-plugin">
          <xsl:apply-templates select="$nc-plugin" mode="class-note">
            <xsl:with-param name="label" select="$label"/>
          </xsl:apply-templates>
          <xsl:if test="$nc-plugin/image[starts-with(@name, $prefix)] or $nc-plugin/evidence">
            <div class="figures">
              <xsl:if test="$nc-plugin/image[starts-with(@name, $prefix)]">
                <xsl:call-template name="class-figure">
                  <xsl:with-param name="images" select="$nc-plugin/image[starts-with(@name, $prefix)]"/>
                  <xsl:with-param name="prefix" select="$prefix"/>
                </xsl:call-template>
              </xsl:if>
              <xsl:apply-templates select="$nc-plugin" mode="plot">
                <xsl:with-param name="label" select="$label"/>
                <xsl:with-param name="notes" select="false()"/>
              </xsl:apply-templates>
            </div>
          </xsl:if>
        </xsl:if>
      </div>
    </xsl:for-each>
  </xsl:template>

  <!-- A PNG from the results, zoomed by a whole factor to about $size
       pixels high with square pixels. -->
  <xsl:template name="png">
    <xsl:param name="alt"/>
    <xsl:param name="size"/>
    <xsl:variable name="zoom">
      <xsl:choose>
        <xsl:when test="not(@width &gt; 0 and @height &gt; 0)">0</xsl:when>
        <xsl:when test="floor($size div @height) &lt; 1">1</xsl:when>
        <xsl:otherwise><xsl:value-of select="floor($size div @height)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <img class="px" alt="{$alt}" src="data:image/png;base64,{translate(., ' &#9;&#10;&#13;', '')}">
      <xsl:if test="$zoom &gt; 0">
        <xsl:attribute name="width"><xsl:value-of select="@width * $zoom"/></xsl:attribute>
        <xsl:attribute name="height"><xsl:value-of select="@height * $zoom"/></xsl:attribute>
      </xsl:if>
    </img>
  </xsl:template>

  <!-- Per-class plots (inline SVG), one per plugin kind; plugins without
       per-class statistics have none. -->
  <xsl:template match="plugin" mode="plot">
    <xsl:param name="label"/>
    <xsl:variable name="classes" select="(evidence//entry[@key = 'classes']/list[map/entry[@key = 'rows']])[1]"/>
    <xsl:if test="count($classes/map) &gt; 1">
      <xsl:call-template name="class-bars">
        <xsl:with-param name="classes" select="$classes/map"/>
        <xsl:with-param name="label" select="$label"/>
        <xsl:with-param name="caption" select="concat(@name, ': flagged rows (dark) of each class', '&#8217;', 's training rows (light)')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <xsl:template match="plugin[@name = 'strip']" mode="plot">
    <xsl:param name="label"/>
    <xsl:variable name="strip" select="evidence/map/entry[@key = 'strip']/map"/>
    <xsl:variable name="classes" select="$strip/entry[@key = 'train']/map/entry[@key = 'classes']/list/map"/>
    <xsl:if test="count($classes) &gt; 1">
      <xsl:call-template name="class-bars">
        <xsl:with-param name="classes" select="$classes"/>
        <xsl:with-param name="label" select="$label"/>
        <xsl:with-param name="caption" select="'strip: flagged rows (dark) of each class&#8217;s training rows (light)'"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Bars per class: its rows (light) and flagged rows (dark; red for the
       finding's class). -->
  <xsl:template name="class-bars">
    <xsl:param name="classes"/>
    <xsl:param name="label"/>
    <xsl:param name="caption"/>
    <xsl:variable name="max">
      <xsl:for-each select="$classes/entry[@key = 'rows']/number">
        <xsl:sort select="." data-type="number" order="descending"/>
        <xsl:if test="position() = 1"><xsl:value-of select="."/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="n" select="count($classes)"/>
    <xsl:variable name="bw">
      <xsl:choose>
        <xsl:when test="$n &gt; 20"><xsl:value-of select="floor(480 div $n)"/></xsl:when>
        <xsl:otherwise>20</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <figure class="plot">
      <svg class="chart" width="{$bw * $n + 36}" height="104" viewBox="0 0 {$bw * $n + 36} 104" role="img">
        <title><xsl:value-of select="$caption"/></title>
        <text x="2" y="12"><xsl:value-of select="$max"/></text>
        <line class="axis" x1="30" y1="84" x2="{$bw * $n + 32}" y2="84"/>
        <xsl:for-each select="$classes">
          <xsl:variable name="c" select="string(entry[@key = 'label' or @key = 'class']/number)"/>
          <xsl:variable name="rows" select="number(entry[@key = 'rows']/number)"/>
          <xsl:variable name="fl" select="sum(entry[@key = 'flagged']/number | entry[@key = 'low_tail']/map/entry[@key = 'rows']/number)"/>
          <xsl:variable name="x" select="32 + (position() - 1) * $bw"/>
          <xsl:variable name="hr" select="round($rows div ($max + 0.000001) * 68)"/>
          <xsl:variable name="hf" select="round($fl div ($max + 0.000001) * 68)"/>
          <rect class="b-bulk" x="{$x}" y="{84 - $hr}" width="{$bw - 4}" height="{$hr}"/>
          <rect x="{$x}" y="{84 - $hf}" width="{$bw - 4}" height="{$hf}">
            <xsl:attribute name="class">
              <xsl:choose>
                <xsl:when test="$c = $label">b-flag</xsl:when>
                <xsl:otherwise>b-other</xsl:otherwise>
              </xsl:choose>
            </xsl:attribute>
          </rect>
          <xsl:if test="$fl &gt; 0">
            <text x="{$x + ($bw - 4) div 2}" y="{80 - $hr}" text-anchor="middle"><xsl:value-of select="$fl"/></text>
          </xsl:if>
          <text x="{$x + ($bw - 4) div 2}" y="97" text-anchor="middle">
            <xsl:if test="$c = $label"><xsl:attribute name="class">hl</xsl:attribute></xsl:if>
            <xsl:value-of select="$c"/>
          </text>
        </xsl:for-each>
      </svg>
      <figcaption><xsl:value-of select="$caption"/> by class</figcaption>
    </figure>
  </xsl:template>

  <!-- Neural Cleanse: every class's reversed-trigger norm with the paper's
       anomaly index above it. A class the calibrated test flags is red; a
       class whose index exceeds 2 below the median (the paper's rule) but
       that the test does not flag is amber and says so. -->
  <xsl:template match="plugin[@name = 'neural-cleanse']" mode="plot">
    <xsl:param name="label"/>
    <xsl:param name="notes" select="true()"/>
    <xsl:variable name="nc" select="evidence/map/entry[@key = 'neural_cleanse']/map"/>
    <xsl:variable name="classes" select="$nc/entry[@key = 'classes']/list/map"/>
    <xsl:variable name="median" select="number($nc/entry[@key = 'test']/map/entry[@key = 'norm_median']/number)"/>
    <xsl:variable name="flagged" select="$nc/entry[@key = 'flagged']/list/number"/>
    <xsl:if test="count($classes) &gt; 1">
      <xsl:variable name="max">
        <xsl:for-each select="$classes/entry[@key = 'norm']/number">
          <xsl:sort select="." data-type="number" order="descending"/>
          <xsl:if test="position() = 1"><xsl:value-of select="."/></xsl:if>
        </xsl:for-each>
      </xsl:variable>
      <xsl:variable name="n" select="count($classes)"/>
      <xsl:variable name="bw">
        <xsl:choose>
          <xsl:when test="$n &gt; 20"><xsl:value-of select="floor(480 div $n)"/></xsl:when>
          <xsl:otherwise>28</xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <figure class="plot">
        <svg class="chart" width="{$bw * $n + 40}" height="112" viewBox="0 0 {$bw * $n + 40} 112" role="img">
          <title>Neural Cleanse: reversed-trigger L1 norm per class</title>
          <text x="2" y="12"><xsl:value-of select="format-number($max, '0')"/></text>
          <line class="axis" x1="34" y1="92" x2="{$bw * $n + 36}" y2="92"/>
          <xsl:for-each select="$classes">
            <xsl:variable name="c" select="string(entry[@key = 'label']/number)"/>
            <xsl:variable name="norm" select="number(entry[@key = 'norm']/number)"/>
            <xsl:variable name="ai" select="number(entry[@key = 'anomaly_index']/number)"/>
            <xsl:variable name="x" select="36 + (position() - 1) * $bw"/>
            <xsl:variable name="h" select="round($norm div ($max + 0.000001) * 70)"/>
            <rect x="{$x}" y="{92 - $h}" width="{$bw - 6}" height="{$h}">
              <xsl:attribute name="class">
                <xsl:choose>
                  <xsl:when test="$flagged[. = $c]">b-flag</xsl:when>
                  <xsl:when test="$ai &gt; 2 and $norm &lt; $median">b-paper</xsl:when>
                  <xsl:otherwise>b-other</xsl:otherwise>
                </xsl:choose>
              </xsl:attribute>
            </rect>
            <text x="{$x + ($bw - 6) div 2}" y="{88 - $h}" text-anchor="middle">
              <xsl:if test="$ai &gt; 2 and $norm &lt; $median"><xsl:attribute name="class">hl</xsl:attribute></xsl:if>
              <xsl:value-of select="format-number($ai, '0.0')"/>
            </text>
            <text x="{$x + ($bw - 6) div 2}" y="105" text-anchor="middle">
              <xsl:if test="$c = $label"><xsl:attribute name="class">hl</xsl:attribute></xsl:if>
              <xsl:value-of select="$c"/>
            </text>
          </xsl:for-each>
          <xsl:if test="$median = $median and $max &gt; 0">
            <xsl:variable name="my" select="92 - round($median div $max * 70)"/>
            <line class="cut" x1="34" y1="{$my}" x2="{$bw * $n + 36}" y2="{$my}"/>
            <text x="2" y="{$my + 4}">median</text>
          </xsl:if>
        </svg>
        <figcaption>
          <xsl:text>neural-cleanse: L1 norm of each class&#8217;s reversed trigger, the paper&#8217;s anomaly index above; </xsl:text>
          <span class="key b-flag-key">&#9632;</span> flagged by the calibrated test,
          <span class="key b-paper-key">&#9632;</span> index &gt; 2 below the median (the paper&#8217;s rule) but not flagged
        </figcaption>
      </figure>
      <xsl:if test="$notes">
        <xsl:call-template name="nc-paper-notes">
          <xsl:with-param name="nc" select="$nc"/>
        </xsl:call-template>
      </xsl:if>
    </xsl:if>
  </xsl:template>

  <!-- Classes the paper's rule would flag and the calibrated test did not,
       said in words (docs/detectors/neural-cleanse.md, "Decision"). -->
  <xsl:template name="nc-paper-notes">
    <xsl:param name="nc"/>
    <xsl:variable name="median" select="number($nc/entry[@key = 'test']/map/entry[@key = 'norm_median']/number)"/>
    <xsl:variable name="flagged" select="$nc/entry[@key = 'flagged']/list/number"/>
    <xsl:for-each select="$nc/entry[@key = 'classes']/list/map[entry[@key = 'anomaly_index']/number &gt; 2]
                          [entry[@key = 'norm']/number &lt; $median]">
      <xsl:variable name="c" select="string(entry[@key = 'label']/number)"/>
      <xsl:if test="not($flagged[. = $c])">
        <p class="paper-rule">
          <xsl:call-template name="nc-class-words">
            <xsl:with-param name="nc" select="$nc"/>
            <xsl:with-param name="cls" select="."/>
          </xsl:call-template>
        </p>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="nc-class-words">
    <xsl:param name="nc"/>
    <xsl:param name="cls"/>
    <xsl:variable name="c" select="string($cls/entry[@key = 'label']/number)"/>
    <xsl:variable name="rank" select="number($cls/entry[@key = 'rank']/number)"/>
    <xsl:variable name="ai" select="number($cls/entry[@key = 'anomaly_index']/number)"/>
    <xsl:variable name="test" select="$nc/entry[@key = 'test']/map"/>
    <xsl:variable name="median" select="number($test/entry[@key = 'norm_median']/number)"/>
    <xsl:variable name="p" select="$test/entry[@key = 'p_values']/list/*[position() = $rank]"/>
    <xsl:variable name="flagged" select="$nc/entry[@key = 'flagged']/list/number[. = $c]"/>
    <strong>Neural Cleanse, <xsl:value-of select="$cls/entry[@key = 'name']/string"/>: </strong>
    <xsl:value-of select="concat('reversed trigger of L1 norm ', format-number($cls/entry[@key = 'norm']/number, '0.0'),
                          ' (rank ', $rank, ' of ', count($nc/entry[@key = 'classes']/list/map),
                          ', median ', format-number($median, '0.0'), '); the paper', '&#8217;', 's anomaly index is ',
                          format-number($ai, '0.00'))"/>
    <xsl:choose>
      <xsl:when test="$ai &gt; 2 and number($cls/entry[@key = 'norm']/number) &lt; $median">
        <strong><xsl:text> &gt; 2: the paper&#8217;s rule flags it</xsl:text></strong>
      </xsl:when>
      <xsl:otherwise><xsl:text>, within the paper&#8217;s range</xsl:text></xsl:otherwise>
    </xsl:choose>
    <xsl:choose>
      <xsl:when test="$flagged">; the calibrated test flags it too.</xsl:when>
      <xsl:when test="$p/self::number">
        <xsl:value-of select="concat('; the calibrated test (Student-t null, family-wise ', '&#945;',
                              ' = ', $test/entry[@key = 'alpha']/number, ') does not flag it (adjusted p = ',
                              format-number($p, '0.###'), '), so it is no finding of its own.')"/>
      </xsl:when>
      <xsl:otherwise>; the calibrated test does not flag it (only the smallest classes are tested), so it is no finding of its own.</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Beside a finding about class N from another plugin: what Neural
       Cleanse says about N, when its ranking singles N out. -->
  <xsl:template match="plugin" mode="class-note">
    <xsl:param name="label"/>
    <xsl:variable name="nc" select="evidence/map/entry[@key = 'neural_cleanse']/map"/>
    <xsl:variable name="cls" select="$nc/entry[@key = 'classes']/list/map[string(entry[@key = 'label']/number) = $label]"/>
    <xsl:if test="$cls and ($cls/entry[@key = 'rank']/number = 1 or $cls/entry[@key = 'anomaly_index']/number &gt; 2
                  or $nc/entry[@key = 'flagged']/list/number = $label)">
      <p class="class-note">
        <xsl:call-template name="nc-class-words">
          <xsl:with-param name="nc" select="$nc"/>
          <xsl:with-param name="cls" select="$cls"/>
        </xsl:call-template>
      </p>
    </xsl:if>
  </xsl:template>

  <xsl:template name="plugins">
    <section id="plugins">
      <h2>Plugins</h2>
      <xsl:choose>
        <xsl:when test="plugins/plugin">
          <!-- Those with something to say first: failures, then those with
               findings or pictures, then the rest, skipped ones last. -->
          <xsl:for-each select="plugins/plugin">
            <xsl:sort select="(@status = 'error' or @status = 'timeout') * 4 + (@status = 'ok') * 2
                              + (boolean(image) or boolean($root/findings/finding[@plugin = current()/@name]))"
                      data-type="number" order="descending"/>
            <xsl:apply-templates select="."/>
          </xsl:for-each>
        </xsl:when>
        <xsl:otherwise><p class="empty">No plugins ran.</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- One plugin: a header line (status, time, memory, findings,
       controls), its message, its pictures and plot, its raw statistics
       collapsed. -->
  <xsl:template match="plugin">
    <xsl:variable name="name" select="@name"/>
    <article class="plugin row-{@status}" id="plugin-{@name}">
      <h3>
        <xsl:value-of select="concat(@name, ' ', @version, ' ')"/>
        <xsl:call-template name="status-badge"/>
        <span class="run">
          <xsl:value-of select="concat(' after ', @seconds, ' s, peak RSS ',
                                format-number(@peak-rss-kib div 1024, '0.0'), ' MiB')"/>
          <xsl:if test="$root/findings/finding[@plugin = $name]">
            <xsl:text>; findings </xsl:text>
            <xsl:for-each select="$root/findings/finding[@plugin = $name]">
              <xsl:if test="position() &gt; 1">, </xsl:if>
              <a href="#{@id}"><xsl:value-of select="@id"/></a>
              <xsl:value-of select="concat(' (', @severity, ')')"/>
            </xsl:for-each>
          </xsl:if>
          <xsl:if test="control">
            <xsl:text>; evidence for </xsl:text>
            <xsl:for-each select="control">
              <xsl:if test="position() &gt; 1">, </xsl:if>
              <a href="#{@ref}"><xsl:value-of select="@ref"/></a>
            </xsl:for-each>
          </xsl:if>
        </span>
      </h3>
      <xsl:if test="description"><div class="sub"><xsl:value-of select="description"/></div></xsl:if>
      <xsl:if test="message"><div class="plugin-message"><xsl:value-of select="message"/></div></xsl:if>
      <!-- The per-class plot is beside the plugin's findings (Neural
           Cleanse's in the class blocks above them); here only when it is
           nowhere else (a clean ranking is evidence too). Pictures of a
           class that findings name are in that class's block. -->
      <xsl:variable name="plot-elsewhere"
                    select="boolean($root/findings/finding[@plugin = $name])
                            or ($name = 'neural-cleanse' and boolean($root/findings/finding[@label]))"/>
      <xsl:variable name="plot">
        <xsl:if test="not($plot-elsewhere)">
          <xsl:apply-templates select="." mode="plot"/>
        </xsl:if>
      </xsl:variable>
      <xsl:variable name="pictures"
                    select="image[not(starts-with(@name, 'class-'))
                            or not(key('finding-label', substring-before(substring-after(@name, 'class-'), '-'))
                                   [$name = 'neural-cleanse' or @plugin = $name])]"/>
      <xsl:if test="$pictures or string($plot) != ''">
        <div class="images">
          <xsl:if test="not($plot-elsewhere)">
            <xsl:apply-templates select="." mode="plot"/>
          </xsl:if>
          <xsl:apply-templates select="$pictures"/>
        </div>
      </xsl:if>
      <xsl:if test="count($pictures) &lt; count(image)">
        <div class="sub">
          <xsl:text>Pictures of </xsl:text>
          <xsl:for-each select="image[not(count(. | $pictures) = count($pictures))]">
            <xsl:if test="position() &gt; 1">, </xsl:if>
            <a href="#class-{substring-before(substring-after(@name, 'class-'), '-')}"><xsl:value-of select="@name"/></a>
          </xsl:for-each>
          <xsl:text> are beside the findings about their class.</xsl:text>
        </div>
      </xsl:if>
      <xsl:if test="evidence">
        <details class="raw">
          <summary>Evidence: the plugin&#8217;s statistics</summary>
          <div class="ev-wrap"><xsl:apply-templates select="evidence/*"/></div>
        </details>
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

  <!-- The reviewer's decision, filled in on screen or by hand on paper. -->
  <xsl:template name="signoff">
    <section id="signoff" class="signoff">
      <h2>Review and sign-off</h2>
      <p class="sub">
        <xsl:value-of select="concat('Package ', $pkg-label, ', sha256 ', package/@sha256, '; modelgate verdict ',
                              translate(@verdict, 'pasfilerro', 'PASFILERRO'), ' (exit status ', @exit-code,
                              '), scan started ', @started, '.')"/>
      </p>
      <table class="signoff">
        <tr><th>Reviewer</th><td class="blank"><input type="text" name="reviewer" aria-label="reviewer"/></td></tr>
        <tr><th>Date</th><td class="blank"><input type="text" name="date" aria-label="date"/></td></tr>
        <tr>
          <th>Decision</th>
          <td class="decision">
            <label><input type="radio" name="decision" value="approve"/> Approve for deployment</label>
            <label><input type="radio" name="decision" value="conditions"/> Approve with conditions</label>
            <label><input type="radio" name="decision" value="reject"/> Reject</label>
          </td>
        </tr>
        <tr><th>Conditions and reasons</th><td class="blank tall"><textarea name="reasons" rows="3" aria-label="conditions and reasons"></textarea></td></tr>
        <tr><th>Signature</th><td class="blank"></td></tr>
      </table>
    </section>
  </xsl:template>

  <xsl:template name="atlas">
    <section id="atlas">
      <h2>MITRE ATLAS <xsl:value-of select="@atlas-version"/></h2>
      <xsl:choose>
        <xsl:when test="atlas/*">
          <ul class="atlas-index">
            <xsl:for-each select="atlas/technique | atlas/mitigation">
              <li>
                <xsl:call-template name="atlas-link">
                  <xsl:with-param name="id" select="@id"/>
                  <xsl:with-param name="text" select="@id"/>
                </xsl:call-template>
                <xsl:value-of select="concat(' ', @name, ' (', local-name(), ')')"/>
              </li>
            </xsl:for-each>
          </ul>
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
.c-id{width:30%}.c-st{width:7.5em}.c-atlas{width:9.5em}
table.controls{font-size:13px}
table.controls .sub{font-size:12px}
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
article.plugin{border-left-color:var(--line);padding:2px 12px 6px;margin:6px 0}
article.plugin h3{font-size:14px;margin:6px 0 2px}
article.plugin.row-ok{border-left-color:var(--pass)}article.plugin.row-skipped{border-left-color:var(--ne)}
article.plugin.row-error,article.plugin.row-timeout{border-left-color:var(--error)}
span.run{font-weight:400;font-size:12.5px;color:#57606a}
.plugin-message{margin:2px 0}
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
ul.atlas-list{display:inline;margin:0;padding:0}
ul.atlas-index{columns:2;column-gap:28px;margin:0;padding-left:18px}
ul.atlas-index li{break-inside:avoid}
ul.atlas-list li{display:inline}
ul.atlas-list li+li::before{content:"; "}
.badge.waived{color:#555;border-style:dashed}.badge.new{color:var(--high)}p.waived{margin:4px 0;padding:2px 8px;border-left:3px dashed #777}
blockquote.attestation{margin:6px 0;padding:4px 10px;border-left:3px solid var(--att);background:#f1f8ff}
.images{display:flex;flex-wrap:wrap;align-items:flex-start;gap:16px;margin-top:8px}
figure{margin:0;max-width:100%;display:table}
img.px{image-rendering:pixelated;image-rendering:crisp-edges;border:1px solid var(--line);background:#fff;max-width:100%;height:auto;display:block}
figcaption{font-size:12.5px;padding-top:4px;display:table-caption;caption-side:bottom;min-width:140px}
p.empty{color:#57606a;font-style:italic}
.coverage{margin-top:8px;padding-top:6px;border-top:1px solid rgba(255,255,255,.4)}
.coverage ul{margin:2px 0;padding-left:20px}
.banner-pass .skipped{background:rgba(0,0,0,.18);border-radius:4px;padding:4px 8px;margin-top:4px}
ol.next{padding-left:22px}
ol.next li{margin:6px 0}
.remedy{margin:2px 0 0;padding:4px 8px;border-left:3px solid var(--att);background:#f1f8ff}
.figures{display:flex;flex-wrap:wrap;align-items:flex-start;gap:14px;margin:8px 0 4px}
.figures figcaption,.images figcaption{min-width:120px}
img.row{border:1px solid var(--line);display:block}
.thumb-grid{display:grid;grid-template-columns:repeat(8,auto);gap:2px 4px;justify-content:start}
.trio{display:flex;gap:6px}
.class-summary{border:1px solid var(--line);border-radius:6px;background:var(--bg2);padding:6px 12px;margin:10px 0;break-inside:avoid}
.class-summary p.class-note{background:#fff;margin:6px 0}
.thumb{display:flex;flex-direction:column;align-items:center;font-size:10.5px;color:#57606a}
figure.thumbs{max-width:none}
svg.chart{display:block;font:10px system-ui,sans-serif;fill:#57606a;overflow:visible}
svg.chart .b-bulk{fill:#d0d7de}svg.chart .b-other{fill:#6e7781}svg.chart .b-flag{fill:var(--fail)}svg.chart .b-paper{fill:#d4a72c}
svg.chart .axis{stroke:#8c959f}svg.chart .cut{stroke:var(--fail);stroke-dasharray:3 2}
svg.chart text.hl{fill:#1f2328;font-weight:700}
.key{font-size:13px}.b-flag-key{color:var(--fail)}.b-paper-key{color:#d4a72c}
p.paper-rule,p.class-note{margin:6px 0;padding:4px 8px;background:#fff8c5;border:1px solid #d4a72c;border-radius:4px}
p.class-note{background:#f6f8fa;border-color:var(--line)}
details.raw>summary{cursor:pointer;color:#0969da}
table.signoff{width:100%;border:1px solid var(--line)}
table.signoff th{width:11em;text-align:left;padding:8px;border:1px solid var(--line);background:var(--bg2);vertical-align:top}
table.signoff td{padding:6px 8px;border:1px solid var(--line);height:2.4em}
table.signoff td.tall{height:6em}
table.signoff input[type=text],table.signoff textarea{width:100%;border:0;font:inherit;background:transparent}
td.decision label{margin-right:18px;white-space:nowrap}
footer{color:#57606a;font-size:12px;border-top:1px solid var(--line);margin-top:32px;padding-top:8px;padding-bottom:20px}
@page{size:A4;margin:14mm 12mm}
@media print{
 body{font-size:10.5px}
 main,footer{max-width:none;padding:0}
 .banner{padding:12px 14px}
 nav.toc{display:none}
 details:not([open])>summary::after{content:" (collapsed; open it in a browser, or see the JSON report)";color:#57606a}
 table.controls,table.ev,.sub,figcaption,span.run{font-size:9.5px}
 code{font-size:9.5px}
 h3{font-size:12.5px;margin:10px 0 4px}
 article.finding h3{font-size:12px}
 table.grid th,table.grid td{padding:3px 5px}
 article.finding{break-inside:auto}
 .figures,figure,svg{break-inside:avoid}
 h2{margin-top:16px}
 section#signoff{break-inside:avoid;break-before:auto}
 table.signoff input,table.signoff textarea{border:0}
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
