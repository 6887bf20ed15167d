<?xml version="1.0" encoding="UTF-8"?>
<!-- modelgate: JUnit XML view of the results document (docs/results.md).

     Valid against Jenkins xunit's junit-10.xsd. One testsuite per checklist
     section with one testcase per control, and for the controls listed in
     $per-artifact-controls one more testcase per package file; a suite for
     the plugin runs, one for the findings and one for the package and the
     gate. failure = fails the gate (a failed control, a required control
     that did not pass, a finding at or above fail-on); error = a plugin
     error or timeout, a control whose evidence plugins failed, a scan error;
     skipped = not evaluated, with what would evidence it.

     junit-10.xsd has no per-testcase properties, so each suite's
     <properties> carries "TESTCASE.atlas", "TESTCASE.mitigations" and
     "TESTCASE.sha256" entries; GitLab ignores properties, so the failure
     text repeats the ATLAS ids and digests.

     Plain XSLT 1.0 without extensions, so any processor gives the same
     result: the counts are computed from the results, not from the output.

     Replace it with: modelgate scan ... -\-stylesheet junit=FILE -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <!-- Controls that get one testcase per package file, space-separated. -->
  <xsl:param name="per-artifact-controls" select="'CTL-16 CTL-17'"/>
  <!-- Sample rows quoted in failure texts. -->
  <xsl:param name="sample-rows" select="20"/>

  <xsl:key name="finding" match="/modelgate-results/findings/finding" use="@id"/>
  <xsl:key name="atlas" match="/modelgate-results/atlas/*" use="@id"/>
  <xsl:key name="artifact" match="/modelgate-results/artifacts/artifact" use="@path"/>

  <xsl:variable name="root" select="/modelgate-results"/>
  <!-- The package's name, else the path it was given as. -->
  <xsl:variable name="pkg-label">
    <xsl:choose>
      <xsl:when test="string($root/package/@name) != ''"><xsl:value-of select="$root/package/@name"/></xsl:when>
      <xsl:when test="string($root/package/@path) != ''"><xsl:value-of select="$root/package/@path"/></xsl:when>
      <xsl:otherwise>package</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="nl" select="'&#10;'"/>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ '"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz-'"/>

  <xsl:template match="/">
    <xsl:apply-templates select="modelgate-results"/>
  </xsl:template>

  <xsl:template match="modelgate-results">
    <xsl:variable name="section-tests">
      <xsl:call-template name="sections-total">
        <xsl:with-param name="sections" select="checklist/section"/>
        <xsl:with-param name="what" select="'tests'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="section-failures">
      <xsl:call-template name="sections-total">
        <xsl:with-param name="sections" select="checklist/section"/>
        <xsl:with-param name="what" select="'failures'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="section-errors">
      <xsl:call-template name="sections-total">
        <xsl:with-param name="sections" select="checklist/section"/>
        <xsl:with-param name="what" select="'errors'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="package-tests" select="2 + count(registry)"/>
    <xsl:variable name="package-failures"
                  select="count(registry[starts-with(@signature, 'failed')]) + number(@verdict = 'fail')"/>
    <xsl:variable name="package-errors" select="count(error) + number(@verdict = 'error')"/>
    <testsuites name="modelgate {@command} {$pkg-label}"
                tests="{$package-tests + $section-tests + count(plugins/plugin) + count(findings/finding)}"
                failures="{$package-failures + $section-failures + count(findings/finding[@fails-gate = 'true'])}"
                errors="{$package-errors + $section-errors + count(plugins/plugin[@status = 'error' or @status = 'timeout'])}"
                time="{format-number(@seconds, '0.000')}">
      <xsl:call-template name="package-suite">
        <xsl:with-param name="tests" select="$package-tests"/>
        <xsl:with-param name="failures" select="$package-failures"/>
        <xsl:with-param name="errors" select="$package-errors"/>
      </xsl:call-template>
      <xsl:apply-templates select="checklist/section"/>
      <xsl:call-template name="plugin-suite"/>
      <xsl:call-template name="finding-suite"/>
    </testsuites>
  </xsl:template>

  <xsl:template name="suite-attributes">
    <xsl:param name="name"/>
    <xsl:param name="package"/>
    <xsl:param name="tests"/>
    <xsl:param name="failures"/>
    <xsl:param name="errors"/>
    <xsl:param name="skipped"/>
    <xsl:param name="time" select="0"/>
    <xsl:attribute name="name"><xsl:value-of select="$name"/></xsl:attribute>
    <xsl:attribute name="package"><xsl:value-of select="$package"/></xsl:attribute>
    <xsl:attribute name="tests"><xsl:value-of select="$tests"/></xsl:attribute>
    <xsl:attribute name="failures"><xsl:value-of select="$failures"/></xsl:attribute>
    <xsl:attribute name="errors"><xsl:value-of select="$errors"/></xsl:attribute>
    <xsl:attribute name="skipped"><xsl:value-of select="$skipped"/></xsl:attribute>
    <xsl:attribute name="time"><xsl:value-of select="format-number($time, '0.000')"/></xsl:attribute>
    <xsl:attribute name="timestamp">
      <xsl:value-of select="translate($root/@started, 'Z', '')"/>
    </xsl:attribute>
  </xsl:template>

  <!-- Testcase counts of one checklist section; see the section template. -->
  <xsl:template name="section-number">
    <xsl:param name="section"/>
    <xsl:param name="what"/>
    <xsl:variable name="pa" select="$section/control[contains(concat(' ', $per-artifact-controls, ' '),
                                    concat(' ', @id, ' ')) and (@status = 'pass' or @status = 'fail')
                                    and not(@id = 'CTL-16' and not($root/registry))]"/>
    <xsl:choose>
      <xsl:when test="$what = 'tests'">
        <xsl:value-of select="count($section/control) + count($pa) * count($root/artifacts/artifact)"/>
      </xsl:when>
      <xsl:when test="$what = 'failures'">
        <xsl:variable name="per-file">
          <xsl:call-template name="artifact-failures">
            <xsl:with-param name="controls" select="$pa"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:value-of select="count($section/control[@fails-gate = 'true']) + $per-file"/>
      </xsl:when>
      <xsl:when test="$what = 'errors'">
        <xsl:value-of select="count($section/control[@status = 'error' and not(@fails-gate = 'true')])"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="count($section/control[@status = 'not-evaluated' and not(@fails-gate = 'true')])"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="sections-total">
    <xsl:param name="sections"/>
    <xsl:param name="what"/>
    <xsl:choose>
      <xsl:when test="not($sections)">0</xsl:when>
      <xsl:otherwise>
        <xsl:variable name="first">
          <xsl:call-template name="section-number">
            <xsl:with-param name="section" select="$sections[1]"/>
            <xsl:with-param name="what" select="$what"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:variable name="rest">
          <xsl:call-template name="sections-total">
            <xsl:with-param name="sections" select="$sections[position() &gt; 1]"/>
            <xsl:with-param name="what" select="$what"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:value-of select="$first + $rest"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Files failing under each of the given controls, summed. -->
  <xsl:template name="artifact-failures">
    <xsl:param name="controls"/>
    <xsl:choose>
      <xsl:when test="not($controls)">0</xsl:when>
      <xsl:otherwise>
        <xsl:variable name="c" select="$controls[1]"/>
        <xsl:variable name="failing" select="key('finding', $c/finding/@ref)[@fails-gate = 'true']"/>
        <xsl:variable name="rest">
          <xsl:call-template name="artifact-failures">
            <xsl:with-param name="controls" select="$controls[position() &gt; 1]"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:value-of select="count($root/artifacts/artifact[@path = $failing/artifact]) + $rest"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Properties naming one testcase's ATLAS ids. -->
  <xsl:template name="atlas-properties">
    <xsl:param name="key"/>
    <xsl:if test="technique">
      <property name="{$key}.atlas">
        <xsl:attribute name="value">
          <xsl:for-each select="technique">
            <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
            <xsl:value-of select="@ref"/>
          </xsl:for-each>
        </xsl:attribute>
      </property>
    </xsl:if>
    <xsl:if test="mitigation">
      <property name="{$key}.mitigations">
        <xsl:attribute name="value">
          <xsl:for-each select="mitigation">
            <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
            <xsl:value-of select="@ref"/>
          </xsl:for-each>
        </xsl:attribute>
      </property>
    </xsl:if>
  </xsl:template>

  <!-- "AML.T0018.000 Manipulate AI Model: Poison AI Model; ..." -->
  <xsl:template name="atlas-text">
    <xsl:param name="refs"/>
    <xsl:for-each select="$refs">
      <xsl:if test="position() &gt; 1"><xsl:text>; </xsl:text></xsl:if>
      <xsl:value-of select="@ref"/>
      <xsl:variable name="entry" select="key('atlas', @ref)"/>
      <xsl:if test="$entry">
        <xsl:value-of select="concat(' ', $entry/@name, ' (', $entry/@url, ')')"/>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="atlas-lines">
    <xsl:param name="indent" select="''"/>
    <xsl:if test="technique">
      <xsl:value-of select="concat($indent, 'ATLAS techniques: ')"/>
      <xsl:call-template name="atlas-text">
        <xsl:with-param name="refs" select="technique"/>
      </xsl:call-template>
      <xsl:value-of select="$nl"/>
    </xsl:if>
    <xsl:if test="mitigation">
      <xsl:value-of select="concat($indent, 'ATLAS mitigations: ')"/>
      <xsl:call-template name="atlas-text">
        <xsl:with-param name="refs" select="mitigation"/>
      </xsl:call-template>
      <xsl:value-of select="$nl"/>
    </xsl:if>
  </xsl:template>

  <!-- The first $sample-rows row indices of a space-separated list. -->
  <xsl:template name="first-rows">
    <xsl:param name="rows"/>
    <xsl:param name="left" select="$sample-rows"/>
    <xsl:variable name="r" select="normalize-space($rows)"/>
    <xsl:choose>
      <xsl:when test="$r = ''"/>
      <xsl:when test="$left &lt;= 0"><xsl:text> ...</xsl:text></xsl:when>
      <xsl:when test="contains($r, ' ')">
        <xsl:value-of select="concat(' ', substring-before($r, ' '))"/>
        <xsl:call-template name="first-rows">
          <xsl:with-param name="rows" select="substring-after($r, ' ')"/>
          <xsl:with-param name="left" select="$left - 1"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="concat(' ', $r)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Evidence as compact JSON-like text. -->
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
    <xsl:if test="@count &gt; count(*)">
      <xsl:value-of select="concat(', ... (', @count, ' in all)')"/>
    </xsl:if>
    <xsl:text>]</xsl:text>
  </xsl:template>
  <xsl:template match="string" mode="text">
    <xsl:value-of select="concat('&quot;', ., '&quot;')"/>
  </xsl:template>
  <xsl:template match="number | bool" mode="text">
    <xsl:value-of select="."/>
  </xsl:template>
  <xsl:template match="null" mode="text">
    <xsl:text>null</xsl:text>
  </xsl:template>

  <!-- A finding as a few lines of text: what GitLab shows. -->
  <xsl:template match="finding" mode="text">
    <xsl:param name="indent" select="'  '"/>
    <xsl:value-of select="concat('- ', @id, ' [', @severity, '] ', @rule, ': ', title, $nl)"/>
    <xsl:if test="artifact">
      <xsl:value-of select="concat($indent, 'artifact: ', artifact)"/>
      <xsl:if test="key('artifact', artifact)">
        <xsl:value-of select="concat(' sha256 ', key('artifact', artifact)/@sha256)"/>
      </xsl:if>
      <xsl:if test="location">
        <xsl:value-of select="concat(', ', location)"/>
      </xsl:if>
      <xsl:value-of select="$nl"/>
    </xsl:if>
    <xsl:if test="not(artifact) and location">
      <xsl:value-of select="concat($indent, 'location: ', location, $nl)"/>
    </xsl:if>
    <xsl:if test="@label">
      <xsl:value-of select="concat($indent, 'class label: ', @label, $nl)"/>
    </xsl:if>
    <xsl:if test="samples">
      <xsl:value-of
          select="concat($indent, samples/@count, ' ', samples/@dataset, ' row(s):')"/>
      <xsl:call-template name="first-rows">
        <xsl:with-param name="rows" select="samples"/>
      </xsl:call-template>
      <xsl:value-of select="$nl"/>
    </xsl:if>
    <xsl:call-template name="atlas-lines">
      <xsl:with-param name="indent" select="$indent"/>
    </xsl:call-template>
    <xsl:if test="message">
      <xsl:value-of select="concat($indent, message, $nl)"/>
    </xsl:if>
    <xsl:if test="correlation">
      <xsl:value-of select="concat($indent, 'severity ', correlation, $nl)"/>
    </xsl:if>
    <xsl:if test="evidence">
      <xsl:value-of select="concat($indent, 'evidence: ')"/>
      <xsl:apply-templates select="evidence/*" mode="text"/>
      <xsl:value-of select="$nl"/>
    </xsl:if>
    <xsl:if test="@baseline">
      <xsl:value-of select="concat($indent, 'since the baseline: ', @baseline, $nl)"/>
    </xsl:if>
    <xsl:apply-templates select="waived" mode="text">
      <xsl:with-param name="indent" select="$indent"/>
    </xsl:apply-templates>
  </xsl:template>

  <!-- A reviewer's waiver: the finding does not fail the gate, and says why. -->
  <xsl:template match="waived" mode="text">
    <xsl:param name="indent" select="'  '"/>
    <xsl:value-of select="concat($indent, 'WAIVED by ', @by, ' on ', @on, ' until ', @expires,
                                 ' (waiver ', @waiver, '): ', ., $nl)"/>
  </xsl:template>

  <xsl:template name="package-line">
    <xsl:value-of select="concat('package: ', $root/package/@name, ' (', $root/package/@path,
                          ') sha256 ', $root/package/@sha256, $nl)"/>
  </xsl:template>

  <!-- Checklist section: one suite. -->
  <xsl:template match="section">
    <xsl:variable name="slug" select="translate(@title, $upper, $lower)"/>
    <xsl:variable name="classname" select="concat('modelgate.checklist.', $slug)"/>
    <xsl:variable name="pa" select="control[contains(concat(' ', $per-artifact-controls, ' '),
                                    concat(' ', @id, ' ')) and (@status = 'pass' or @status = 'fail')
                                    and not(@id = 'CTL-16' and not($root/registry))]"/>
    <testsuite>
      <xsl:call-template name="suite-attributes">
        <xsl:with-param name="name" select="@title"/>
        <xsl:with-param name="package" select="$classname"/>
        <xsl:with-param name="tests">
          <xsl:call-template name="section-number">
            <xsl:with-param name="section" select="."/>
            <xsl:with-param name="what" select="'tests'"/>
          </xsl:call-template>
        </xsl:with-param>
        <xsl:with-param name="failures">
          <xsl:call-template name="section-number">
            <xsl:with-param name="section" select="."/>
            <xsl:with-param name="what" select="'failures'"/>
          </xsl:call-template>
        </xsl:with-param>
        <xsl:with-param name="errors">
          <xsl:call-template name="section-number">
            <xsl:with-param name="section" select="."/>
            <xsl:with-param name="what" select="'errors'"/>
          </xsl:call-template>
        </xsl:with-param>
        <xsl:with-param name="skipped">
          <xsl:call-template name="section-number">
            <xsl:with-param name="section" select="."/>
            <xsl:with-param name="what" select="'skipped'"/>
          </xsl:call-template>
        </xsl:with-param>
      </xsl:call-template>
      <properties>
        <xsl:for-each select="control">
          <property name="{@id}.status" value="{@status}"/>
          <xsl:call-template name="atlas-properties">
            <xsl:with-param name="key" select="@id"/>
          </xsl:call-template>
        </xsl:for-each>
        <xsl:for-each select="$pa">
          <xsl:variable name="control" select="."/>
          <xsl:for-each select="$root/artifacts/artifact">
            <xsl:variable name="failing"
                          select="key('finding', $control/finding/@ref)[@fails-gate = 'true'][artifact = current()/@path]"/>
            <property name="{$control/@id} {@path}.sha256" value="{@sha256}"/>
            <xsl:if test="$failing/technique">
              <property name="{$control/@id} {@path}.atlas">
                <xsl:attribute name="value">
                  <xsl:for-each select="$failing/technique">
                    <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
                    <xsl:value-of select="@ref"/>
                  </xsl:for-each>
                </xsl:attribute>
              </property>
            </xsl:if>
          </xsl:for-each>
        </xsl:for-each>
      </properties>
      <xsl:for-each select="control">
        <xsl:apply-templates select="." mode="case">
          <xsl:with-param name="classname" select="$classname"/>
        </xsl:apply-templates>
        <xsl:if test="count(. | $pa) = count($pa)">
          <xsl:variable name="control" select="."/>
          <xsl:for-each select="$root/artifacts/artifact">
            <xsl:apply-templates select="$control" mode="artifact-case">
              <xsl:with-param name="classname" select="concat($classname, '.', $control/@id)"/>
              <xsl:with-param name="artifact" select="."/>
            </xsl:apply-templates>
          </xsl:for-each>
        </xsl:if>
      </xsl:for-each>
    </testsuite>
  </xsl:template>

  <xsl:template match="control" mode="case">
    <xsl:param name="classname"/>
    <xsl:variable name="details">
      <xsl:value-of select="concat(@id, ' ', title, ': ', @status)"/>
      <xsl:if test="@required = 'true'"> (required by the policy)</xsl:if>
      <xsl:value-of select="$nl"/>
      <xsl:if test="note"><xsl:value-of select="concat('why: ', note, $nl)"/></xsl:if>
      <xsl:value-of select="concat('control: ', text, $nl)"/>
      <xsl:for-each select="fact">
        <xsl:value-of select="concat(@source, ' ', @result, ': ', ., $nl)"/>
      </xsl:for-each>
      <xsl:if test="evidence-source">
        <xsl:text>evidence from:</xsl:text>
        <xsl:for-each select="evidence-source">
          <xsl:value-of select="concat(' ', .)"/>
        </xsl:for-each>
        <xsl:value-of select="$nl"/>
      </xsl:if>
      <xsl:if test="attestation">
        <xsl:value-of select="concat('attested by ', attestation/@by, ' on ', attestation/@date,
                              ': ', attestation, $nl)"/>
      </xsl:if>
      <xsl:call-template name="atlas-lines"/>
      <xsl:if test="finding">
        <xsl:text>findings:</xsl:text>
        <xsl:value-of select="$nl"/>
        <xsl:apply-templates select="key('finding', finding/@ref)" mode="text"/>
      </xsl:if>
      <xsl:call-template name="package-line"/>
    </xsl:variable>
    <testcase classname="{$classname}" name="{@id} {title}">
      <xsl:choose>
        <xsl:when test="@fails-gate = 'true'">
          <failure type="control.{@status}">
            <xsl:attribute name="message">
              <xsl:choose>
                <xsl:when test="@status = 'fail'">
                  <xsl:value-of select="concat(@id, ' failed: ', note)"/>
                </xsl:when>
                <xsl:otherwise>
                  <xsl:value-of select="concat(@id, ' is required by the policy but ', @status,
                                        ': ', note)"/>
                </xsl:otherwise>
              </xsl:choose>
              <xsl:call-template name="atlas-brackets"/>
            </xsl:attribute>
            <xsl:value-of select="$details"/>
          </failure>
        </xsl:when>
        <xsl:when test="@status = 'error'">
          <error type="control.error" message="{@id}: {note}">
            <xsl:value-of select="$details"/>
          </error>
        </xsl:when>
        <xsl:when test="@status = 'not-evaluated'">
          <skipped message="{@id} not evaluated: {note}">
            <xsl:value-of select="$details"/>
          </skipped>
        </xsl:when>
        <xsl:otherwise>
          <system-out><xsl:value-of select="$details"/></system-out>
        </xsl:otherwise>
      </xsl:choose>
    </testcase>
  </xsl:template>

  <!-- " [AML.T0010 AML.T0010.002]" for the techniques under the context node. -->
  <xsl:template name="atlas-brackets">
    <xsl:param name="refs" select="technique"/>
    <xsl:if test="$refs">
      <xsl:text> [</xsl:text>
      <xsl:for-each select="$refs">
        <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
        <xsl:value-of select="@ref"/>
      </xsl:for-each>
      <xsl:text>]</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- One package file under a per-artifact control: fails when a finding
       at or above fail-on cites the control about this file. -->
  <xsl:template match="control" mode="artifact-case">
    <xsl:param name="classname"/>
    <xsl:param name="artifact"/>
    <xsl:variable name="id" select="@id"/>
    <xsl:variable name="about"
                  select="key('finding', finding/@ref)[artifact = $artifact/@path]"/>
    <xsl:variable name="failing" select="$about[@fails-gate = 'true']"/>
    <xsl:variable name="details">
      <xsl:value-of select="concat($id, ' ', title, ' for ', $artifact/@path, $nl)"/>
      <xsl:value-of select="concat('sha256 ', $artifact/@sha256, ', ', $artifact/@size,
                            ' bytes, role ', $artifact/@role, $nl)"/>
      <xsl:if test="$root/registry">
        <xsl:value-of select="concat('registry: ', $artifact/@registry)"/>
        <xsl:if test="$artifact/@registry-name">
          <xsl:value-of select="concat(' (entry ', $artifact/@registry-name, ')')"/>
        </xsl:if>
        <xsl:value-of select="$nl"/>
      </xsl:if>
      <xsl:if test="$about">
        <xsl:text>findings:</xsl:text>
        <xsl:value-of select="$nl"/>
        <xsl:apply-templates select="$about" mode="text"/>
      </xsl:if>
    </xsl:variable>
    <testcase classname="{$classname}" name="{$id} {$artifact/@path}">
      <xsl:choose>
        <xsl:when test="$failing">
          <failure type="artifact.fail">
            <xsl:attribute name="message">
              <xsl:value-of select="concat($id, ' fails for ', $artifact/@path, ': ',
                                    $failing[1]/title, ' (sha256 ', $artifact/@sha256, ')')"/>
              <xsl:call-template name="atlas-brackets">
                <xsl:with-param name="refs" select="$failing/technique"/>
              </xsl:call-template>
            </xsl:attribute>
            <xsl:value-of select="$details"/>
          </failure>
        </xsl:when>
        <xsl:otherwise>
          <system-out><xsl:value-of select="$details"/></system-out>
        </xsl:otherwise>
      </xsl:choose>
    </testcase>
  </xsl:template>

  <!-- Plugin runs: error/timeout are errors, skipped are skipped. -->
  <xsl:template name="plugin-suite">
    <testsuite>
      <xsl:call-template name="suite-attributes">
        <xsl:with-param name="name" select="'Plugins'"/>
        <xsl:with-param name="package" select="'modelgate.plugins'"/>
        <xsl:with-param name="tests" select="count(plugins/plugin)"/>
        <xsl:with-param name="failures" select="0"/>
        <xsl:with-param name="errors"
                        select="count(plugins/plugin[@status = 'error' or @status = 'timeout'])"/>
        <xsl:with-param name="skipped" select="count(plugins/plugin[@status = 'skipped'])"/>
        <xsl:with-param name="time" select="sum(plugins/plugin/@seconds)"/>
      </xsl:call-template>
      <properties>
        <xsl:for-each select="plugins/plugin">
          <property name="{@name}.version" value="{@version}"/>
          <property name="{@name}.status" value="{@status}"/>
        </xsl:for-each>
      </properties>
      <xsl:for-each select="plugins/plugin">
        <xsl:variable name="details">
          <xsl:value-of select="concat(@name, ' ', @version, ': ', @status, ' after ', @seconds,
                                ' s, peak RSS ', @peak-rss-kib, ' KiB', $nl)"/>
          <xsl:if test="description">
            <xsl:value-of select="concat(description, $nl)"/>
          </xsl:if>
          <xsl:if test="message">
            <xsl:value-of select="concat('message: ', message, $nl)"/>
          </xsl:if>
          <xsl:if test="control">
            <xsl:text>evidence for controls:</xsl:text>
            <xsl:for-each select="control">
              <xsl:value-of select="concat(' ', @ref)"/>
            </xsl:for-each>
            <xsl:value-of select="$nl"/>
          </xsl:if>
          <xsl:if test="evidence">
            <xsl:text>evidence: </xsl:text>
            <xsl:apply-templates select="evidence/*" mode="text"/>
            <xsl:value-of select="$nl"/>
          </xsl:if>
          <xsl:for-each select="image">
            <xsl:value-of select="concat('image: ', @name, ' ', @width, 'x', @height, ' ',
                                  @caption, ' (see the HTML report)', $nl)"/>
          </xsl:for-each>
        </xsl:variable>
        <testcase classname="modelgate.plugins" name="{@name}" time="{@seconds}">
          <xsl:choose>
            <xsl:when test="@status = 'error' or @status = 'timeout'">
              <error type="plugin.{@status}" message="plugin {@name} {@status}: {message}">
                <xsl:value-of select="$details"/>
              </error>
            </xsl:when>
            <xsl:when test="@status = 'skipped'">
              <skipped message="plugin {@name} skipped: {message}">
                <xsl:value-of select="$details"/>
              </skipped>
            </xsl:when>
            <xsl:otherwise>
              <system-out><xsl:value-of select="$details"/></system-out>
            </xsl:otherwise>
          </xsl:choose>
        </testcase>
      </xsl:for-each>
    </testsuite>
  </xsl:template>

  <!-- Every finding; those at or above fail-on are failures. -->
  <xsl:template name="finding-suite">
    <testsuite>
      <xsl:call-template name="suite-attributes">
        <xsl:with-param name="name" select="'Findings'"/>
        <xsl:with-param name="package" select="'modelgate.findings'"/>
        <xsl:with-param name="tests" select="count(findings/finding)"/>
        <xsl:with-param name="failures" select="count(findings/finding[@fails-gate = 'true'])"/>
        <xsl:with-param name="errors" select="0"/>
        <xsl:with-param name="skipped" select="0"/>
      </xsl:call-template>
      <properties>
        <xsl:for-each select="findings/finding">
          <property name="{@id}.severity" value="{@severity}"/>
          <xsl:call-template name="atlas-properties">
            <xsl:with-param name="key" select="@id"/>
          </xsl:call-template>
          <xsl:if test="key('artifact', artifact)">
            <property name="{@id}.sha256" value="{key('artifact', artifact)/@sha256}"/>
          </xsl:if>
          <property name="{@id}.fingerprint" value="{@fingerprint}"/>
          <xsl:if test="@baseline">
            <property name="{@id}.baseline" value="{@baseline}"/>
          </xsl:if>
          <xsl:if test="waived">
            <property name="{@id}.waived"
                      value="{concat('by ', waived/@by, ' until ', waived/@expires, ': ', waived)}"/>
          </xsl:if>
        </xsl:for-each>
      </properties>
      <xsl:for-each select="findings/finding">
        <xsl:variable name="details">
          <xsl:apply-templates select="." mode="text"/>
          <xsl:if test="control">
            <xsl:text>  checklist controls:</xsl:text>
            <xsl:for-each select="control">
              <xsl:value-of select="concat(' ', @ref)"/>
            </xsl:for-each>
            <xsl:value-of select="$nl"/>
          </xsl:if>
          <xsl:call-template name="package-line"/>
        </xsl:variable>
        <testcase classname="modelgate.findings.{@plugin}" name="{@id} {@rule}">
          <xsl:choose>
            <xsl:when test="@fails-gate = 'true'">
              <failure type="finding.{@severity}">
                <xsl:attribute name="message">
                  <xsl:value-of select="concat(@severity, ': ', title)"/>
                  <xsl:if test="artifact">
                    <xsl:value-of select="concat(' (', artifact)"/>
                    <xsl:if test="key('artifact', artifact)">
                      <xsl:value-of select="concat(' sha256 ', key('artifact', artifact)/@sha256)"/>
                    </xsl:if>
                    <xsl:text>)</xsl:text>
                  </xsl:if>
                  <xsl:call-template name="atlas-brackets"/>
                </xsl:attribute>
                <xsl:value-of select="$details"/>
              </failure>
            </xsl:when>
            <xsl:otherwise>
              <system-out><xsl:value-of select="$details"/></system-out>
            </xsl:otherwise>
          </xsl:choose>
        </testcase>
      </xsl:for-each>
    </testsuite>
  </xsl:template>

  <!-- The package, the registry and the gate itself. -->
  <xsl:template name="package-suite">
    <xsl:param name="tests"/>
    <xsl:param name="failures"/>
    <xsl:param name="errors"/>
    <testsuite>
      <xsl:call-template name="suite-attributes">
        <xsl:with-param name="name" select="'Package and gate'"/>
        <xsl:with-param name="package" select="'modelgate.package'"/>
        <xsl:with-param name="tests" select="$tests"/>
        <xsl:with-param name="failures" select="$failures"/>
        <xsl:with-param name="errors" select="$errors"/>
        <xsl:with-param name="skipped" select="0"/>
        <xsl:with-param name="time" select="@seconds"/>
      </xsl:call-template>
      <properties>
        <property name="package.name" value="{package/@name}"/>
        <property name="package.path" value="{package/@path}"/>
        <property name="package.sha256" value="{package/@sha256}"/>
        <property name="verdict" value="{@verdict}"/>
        <property name="exit-code" value="{@exit-code}"/>
        <property name="fail-on" value="{@fail-on}"/>
        <property name="tool-version" value="{@tool-version}"/>
        <property name="atlas-version" value="{@atlas-version}"/>
        <xsl:for-each select="artifacts/artifact">
          <property name="{@path}.sha256" value="{@sha256}"/>
        </xsl:for-each>
        <xsl:if test="findings/finding[@fails-gate = 'true']/technique">
          <property name="gate verdict.atlas">
            <xsl:attribute name="value">
              <xsl:for-each select="findings/finding[@fails-gate = 'true']/technique">
                <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
                <xsl:value-of select="@ref"/>
              </xsl:for-each>
            </xsl:attribute>
          </property>
        </xsl:if>
      </properties>
      <testcase classname="modelgate.package" name="scan completed">
        <xsl:choose>
          <xsl:when test="error">
            <error type="scan.{error/@code}" message="{error}">
              <xsl:value-of select="concat(error, $nl)"/>
              <xsl:call-template name="package-line"/>
            </error>
          </xsl:when>
          <xsl:otherwise>
            <system-out>
              <xsl:call-template name="package-line"/>
              <xsl:value-of select="concat(count(artifacts/artifact), ' file(s), ',
                                    count(plugins/plugin), ' plugin(s), ',
                                    count(findings/finding), ' finding(s)', $nl)"/>
            </system-out>
          </xsl:otherwise>
        </xsl:choose>
      </testcase>
      <xsl:if test="registry">
        <testcase classname="modelgate.package" name="registry signature">
          <xsl:choose>
            <xsl:when test="starts-with(registry/@signature, 'failed')">
              <failure type="registry.signature" message="{registry/@path}: {registry/@signature}">
                <xsl:value-of select="concat(registry/@path, ': ', registry/@signature, $nl)"/>
              </failure>
            </xsl:when>
            <xsl:otherwise>
              <system-out>
                <xsl:value-of select="concat(registry/@path, ': signature ', registry/@signature,
                                      $nl)"/>
              </system-out>
            </xsl:otherwise>
          </xsl:choose>
        </testcase>
      </xsl:if>
      <xsl:variable name="why">
        <xsl:call-template name="gate-reasons"/>
      </xsl:variable>
      <testcase classname="modelgate.package" name="gate verdict">
        <xsl:choose>
          <xsl:when test="@verdict = 'fail'">
            <failure type="gate.fail"
                     message="gate failed for {$pkg-label} (sha256 {package/@sha256})">
              <xsl:value-of select="$why"/>
            </failure>
          </xsl:when>
          <xsl:when test="@verdict = 'error'">
            <error type="gate.error" message="scan of {$pkg-label} could not be completed: {error}">
              <xsl:value-of select="$why"/>
            </error>
          </xsl:when>
          <xsl:otherwise>
            <system-out><xsl:value-of select="$why"/></system-out>
          </xsl:otherwise>
        </xsl:choose>
      </testcase>
    </testsuite>
  </xsl:template>

  <xsl:template name="gate-reasons">
    <xsl:value-of select="concat('verdict: ', @verdict, ' (exit ', @exit-code, '), fail-on ',
                          @fail-on, $nl)"/>
    <xsl:call-template name="package-line"/>
    <xsl:if test="error">
      <xsl:value-of select="concat('scan error: ', error, $nl)"/>
    </xsl:if>
    <xsl:for-each select="findings/finding[@fails-gate = 'true']">
      <xsl:value-of select="concat('finding ', @id, ' [', @severity, '] ', title)"/>
      <xsl:call-template name="atlas-brackets"/>
      <xsl:value-of select="$nl"/>
    </xsl:for-each>
    <xsl:for-each select="checklist/section/control[@fails-gate = 'true']">
      <xsl:value-of select="concat('control ', @id, ' ', @status, ': ', note)"/>
      <xsl:call-template name="atlas-brackets"/>
      <xsl:value-of select="$nl"/>
    </xsl:for-each>
    <xsl:for-each select="checklist/section/control[@required = 'true' and @status = 'error']">
      <xsl:value-of select="concat('control ', @id, ' required by the policy, its evidence is missing: ',
                            note, $nl)"/>
    </xsl:for-each>
    <xsl:for-each select="plugins/plugin[@status = 'error' or @status = 'timeout']">
      <xsl:value-of select="concat('plugin ', @name, ' ', @status, ': ', message, $nl)"/>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
