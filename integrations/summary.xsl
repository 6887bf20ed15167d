<?xml version="1.0" encoding="UTF-8"?>
<!-- modelgate-ci: the summary of one scan, from the XML results document
     (docs/results.md), in three forms chosen by $format:

       text      one paragraph for the CI log: verdict, what fails the gate,
                 the worst findings, what was evaluated and what was skipped
       markdown  the same for GitHub's step summary and summary.md
       outputs   key=value lines for $GITHUB_OUTPUT and GitLab's dotenv
                 (numbers and control ids only: nothing the package chose)

     $exit is modelgate's exit status, which can differ from the document's
     own (a report that could not be written makes it 2). Everything the
     package controls (titles, paths, messages) is cut to $width characters,
     and in Markdown escaped so that it cannot add links, mentions or HTML.
     Plain XSLT 1.0 for xsltproc. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:param name="format" select="'text'"/>
  <xsl:param name="exit" select="''"/>
  <!-- Findings named, worst first. -->
  <xsl:param name="top" select="5"/>
  <xsl:param name="width" select="160"/>

  <xsl:variable name="severities" select="'critical high medium low info'"/>
  <xsl:variable name="r" select="/modelgate-results"/>
  <xsl:variable name="status">
    <xsl:choose>
      <xsl:when test="$exit != ''"><xsl:value-of select="$exit"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$r/@exit-code"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="word">
    <xsl:choose>
      <xsl:when test="$status = '0'">PASS</xsl:when>
      <xsl:when test="$status = '1'">FAIL</xsl:when>
      <xsl:otherwise>ERROR</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="gate-controls" select="$r/checklist/section/control[@fails-gate = 'true']"/>
  <xsl:variable name="findings" select="$r/findings/finding"/>
  <xsl:variable name="gate-findings" select="$findings[@fails-gate = 'true']"/>
  <xsl:variable name="controls" select="$r/checklist/section/control"/>
  <xsl:variable name="evaluated" select="$controls[@status != 'not-evaluated']"/>
  <xsl:variable name="plugins" select="$r/plugins/plugin"/>
  <xsl:variable name="skipped" select="$plugins[@status = 'skipped']"/>
  <xsl:variable name="broken" select="$plugins[@status = 'error' or @status = 'timeout']"/>
  <xsl:variable name="package">
    <xsl:choose>
      <xsl:when test="string($r/package/@name) != ''"><xsl:value-of select="$r/package/@name"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$r/package/@path"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="not($r)">
        <xsl:message terminate="yes">not a modelgate results document</xsl:message>
      </xsl:when>
      <xsl:when test="$format = 'outputs'"><xsl:call-template name="outputs"/></xsl:when>
      <xsl:when test="$format = 'markdown'"><xsl:call-template name="markdown"/></xsl:when>
      <xsl:otherwise><xsl:call-template name="text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===== text ===== -->
  <xsl:template name="text">
    <xsl:text>modelgate: </xsl:text>
    <xsl:value-of select="concat($word, ' (exit ', $status, ') for ')"/>
    <xsl:call-template name="plain"><xsl:with-param name="s" select="$package"/></xsl:call-template>
    <xsl:text>: </xsl:text>
    <xsl:call-template name="why"/>
    <xsl:if test="$gate-controls">
      <xsl:text> Controls failing the gate: </xsl:text>
      <xsl:for-each select="$gate-controls">
        <xsl:if test="position() > 1">; </xsl:if>
        <xsl:value-of select="concat(@id, ' ')"/>
        <xsl:call-template name="plain"><xsl:with-param name="s" select="title"/></xsl:call-template>
        <xsl:value-of select="concat(' (', @status, ')')"/>
      </xsl:for-each>
      <xsl:text>.</xsl:text>
    </xsl:if>
    <xsl:text> </xsl:text>
    <xsl:call-template name="finding-counts"/>
    <xsl:if test="$findings">
      <xsl:text> Worst findings: </xsl:text>
      <xsl:for-each select="$findings">
        <xsl:sort select="string-length(substring-before($severities, @severity))" data-type="number"/>
        <xsl:if test="position() &lt;= $top">
          <xsl:if test="position() > 1">; </xsl:if>
          <xsl:value-of select="concat('[', @severity, '] ')"/>
          <xsl:call-template name="plain"><xsl:with-param name="s" select="title"/></xsl:call-template>
          <xsl:if test="string(artifact) != ''">
            <xsl:text> in </xsl:text>
            <xsl:call-template name="plain"><xsl:with-param name="s" select="artifact"/></xsl:call-template>
          </xsl:if>
          <xsl:value-of select="concat(' (', @rule, ')')"/>
        </xsl:if>
      </xsl:for-each>
      <xsl:if test="count($findings) > $top">
        <xsl:value-of select="concat('; and ', count($findings) - $top, ' more')"/>
      </xsl:if>
      <xsl:text>.</xsl:text>
    </xsl:if>
    <xsl:text> </xsl:text>
    <xsl:call-template name="coverage"/>
    <xsl:for-each select="$broken">
      <xsl:value-of select="concat(' Plugin ', @name, ' ', @status, ': ')"/>
      <xsl:call-template name="plain"><xsl:with-param name="s" select="message"/></xsl:call-template>
      <xsl:text>.</xsl:text>
    </xsl:for-each>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- Why the verdict is what it is, one sentence. -->
  <xsl:template name="why">
    <xsl:choose>
      <xsl:when test="$r/error">
        <xsl:text>the scan could not be completed: </xsl:text>
        <xsl:call-template name="plain"><xsl:with-param name="s" select="$r/error"/></xsl:call-template>
        <xsl:text>.</xsl:text>
      </xsl:when>
      <xsl:when test="$status = '2' and string($r/@exit-code) != '2'">
        <xsl:value-of select="concat('the results say ', $r/@verdict,
                              ' but a report could not be written (see the messages above).')"/>
      </xsl:when>
      <xsl:when test="$status = '2'">
        <xsl:text>the evidence is incomplete (a plugin or a required control ended in error).</xsl:text>
      </xsl:when>
      <xsl:when test="$status = '1'">
        <xsl:value-of select="concat('the gate failed (fail-on ', $r/@fail-on, ').')"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="concat('the gate passed (fail-on ', $r/@fail-on, ').')"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="finding-counts">
    <xsl:value-of select="concat(count($findings), ' finding')"/>
    <xsl:if test="count($findings) != 1">s</xsl:if>
    <xsl:if test="$findings">
      <xsl:text> (</xsl:text>
      <xsl:call-template name="by-severity"/>
      <xsl:text>)</xsl:text>
    </xsl:if>
    <xsl:value-of select="concat(', ', count($gate-findings), ' failing the gate.')"/>
  </xsl:template>

  <xsl:template name="by-severity">
    <xsl:param name="left" select="$severities"/>
    <xsl:param name="first" select="true()"/>
    <xsl:variable name="sev" select="substring-before(concat($left, ' '), ' ')"/>
    <xsl:variable name="n" select="count($findings[@severity = $sev])"/>
    <xsl:if test="$n > 0">
      <xsl:if test="not($first)">, </xsl:if>
      <xsl:value-of select="concat($n, ' ', $sev)"/>
    </xsl:if>
    <xsl:if test="contains($left, ' ')">
      <xsl:call-template name="by-severity">
        <xsl:with-param name="left" select="substring-after($left, ' ')"/>
        <xsl:with-param name="first" select="$first and $n = 0"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- What was checked: controls evaluated, plugins run and skipped. -->
  <xsl:template name="coverage">
    <xsl:value-of select="concat(count($evaluated), ' of ', count($controls), ' controls evaluated; ',
                          count($plugins[@status = 'ok']), ' of ', count($plugins), ' plugins ran')"/>
    <xsl:if test="$skipped">
      <xsl:text>, skipped: </xsl:text>
      <xsl:for-each select="$skipped">
        <xsl:if test="position() > 1">, </xsl:if>
        <xsl:value-of select="@name"/>
      </xsl:for-each>
    </xsl:if>
    <xsl:if test="$broken">
      <xsl:value-of select="concat(', ', count($broken), ' failed')"/>
    </xsl:if>
    <xsl:text>.</xsl:text>
  </xsl:template>

  <!-- ===== markdown ===== -->
  <xsl:template name="markdown">
    <xsl:text>### modelgate: </xsl:text>
    <xsl:choose>
      <xsl:when test="$status = '0'">✔ PASS</xsl:when>
      <xsl:when test="$status = '1'">✘ FAIL</xsl:when>
      <xsl:otherwise>⚠ ERROR</xsl:otherwise>
    </xsl:choose>
    <xsl:value-of select="concat(' (exit ', $status, '), ')"/>
    <xsl:call-template name="md"><xsl:with-param name="s" select="$package"/></xsl:call-template>
    <xsl:text>&#10;&#10;</xsl:text>
    <xsl:text>The </xsl:text>
    <xsl:call-template name="why-md"/>
    <xsl:text> </xsl:text>
    <xsl:call-template name="finding-counts"/>
    <xsl:text> </xsl:text>
    <xsl:call-template name="coverage"/>
    <xsl:if test="$r/package/@sha256">
      <xsl:value-of select="concat(' Package sha256 ', substring($r/package/@sha256, 1, 16), '…, ',
                            $r/package/@files, ' file')"/>
      <xsl:if test="$r/package/@files != 1">s</xsl:if>
      <xsl:text>.</xsl:text>
    </xsl:if>
    <xsl:text>&#10;</xsl:text>
    <xsl:if test="$gate-controls">
      <xsl:text>&#10;| Control failing the gate | Status | Title |&#10;| --- | --- | --- |&#10;</xsl:text>
      <xsl:for-each select="$gate-controls">
        <xsl:value-of select="concat('| ', @id, ' | ', @status, ' | ')"/>
        <xsl:call-template name="md"><xsl:with-param name="s" select="title"/></xsl:call-template>
        <xsl:text> |&#10;</xsl:text>
      </xsl:for-each>
    </xsl:if>
    <xsl:if test="$findings">
      <xsl:text>&#10;| Severity | Finding | Artifact | Rule |&#10;| --- | --- | --- | --- |&#10;</xsl:text>
      <xsl:for-each select="$findings">
        <xsl:sort select="string-length(substring-before($severities, @severity))" data-type="number"/>
        <xsl:if test="position() &lt;= $top">
          <xsl:value-of select="concat('| ', @severity)"/>
          <xsl:if test="@fails-gate = 'true'"> (fails the gate)</xsl:if>
          <xsl:text> | </xsl:text>
          <xsl:call-template name="md"><xsl:with-param name="s" select="title"/></xsl:call-template>
          <xsl:text> | </xsl:text>
          <xsl:call-template name="md"><xsl:with-param name="s" select="artifact"/></xsl:call-template>
          <xsl:text> | </xsl:text>
          <xsl:call-template name="md"><xsl:with-param name="s" select="@rule"/></xsl:call-template>
          <xsl:text> |&#10;</xsl:text>
        </xsl:if>
      </xsl:for-each>
      <xsl:if test="count($findings) > $top">
        <xsl:value-of select="concat('&#10;', count($findings) - $top, ' more in the reports.&#10;')"/>
      </xsl:if>
    </xsl:if>
    <xsl:if test="$skipped or $broken">
      <xsl:text>&#10;</xsl:text>
      <xsl:for-each select="$broken | $skipped">
        <xsl:value-of select="concat('- plugin ', @name, ' ', @status, ': ')"/>
        <xsl:call-template name="md"><xsl:with-param name="s" select="message"/></xsl:call-template>
        <xsl:text>&#10;</xsl:text>
      </xsl:for-each>
    </xsl:if>
  </xsl:template>

  <xsl:template name="why-md">
    <xsl:choose>
      <xsl:when test="$r/error">
        <xsl:text>scan could not be completed: </xsl:text>
        <xsl:call-template name="md"><xsl:with-param name="s" select="$r/error"/></xsl:call-template>
        <xsl:text>.</xsl:text>
      </xsl:when>
      <xsl:when test="$status = '2' and string($r/@exit-code) != '2'">
        <xsl:value-of select="concat('results say ', $r/@verdict, ' but a report could not be written.')"/>
      </xsl:when>
      <xsl:when test="$status = '2'">evidence is incomplete (a plugin or a required control ended in error).</xsl:when>
      <xsl:when test="$status = '1'">
        <xsl:value-of select="concat('gate failed (fail-on ', $r/@fail-on, ').')"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="concat('gate passed (fail-on ', $r/@fail-on, ').')"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===== outputs ===== -->
  <xsl:template name="outputs">
    <xsl:value-of select="concat('findings=', count($findings), '&#10;')"/>
    <xsl:value-of select="concat('gate-findings=', count($gate-findings), '&#10;')"/>
    <xsl:text>failed-controls=</xsl:text>
    <xsl:for-each select="$gate-controls">
      <xsl:if test="position() > 1">,</xsl:if>
      <xsl:value-of select="translate(@id, translate(@id, 'CTL-0123456789', ''), '')"/>
    </xsl:for-each>
    <xsl:text>&#10;</xsl:text>
    <xsl:value-of select="concat('controls-evaluated=', count($evaluated), '&#10;')"/>
    <xsl:value-of select="concat('plugins-skipped=', count($skipped), '&#10;')"/>
    <xsl:value-of select="concat('plugins-failed=', count($broken), '&#10;')"/>
  </xsl:template>

  <!-- ===== text helpers ===== -->
  <!-- One line, at most $width characters. -->
  <xsl:template name="clip">
    <xsl:param name="s"/>
    <xsl:variable name="flat" select="normalize-space(translate($s, '&#9;&#10;&#13;', '   '))"/>
    <xsl:choose>
      <xsl:when test="string-length($flat) > $width">
        <xsl:value-of select="concat(substring($flat, 1, $width - 1), '…')"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$flat"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="plain">
    <xsl:param name="s"/>
    <xsl:call-template name="clip"><xsl:with-param name="s" select="$s"/></xsl:call-template>
  </xsl:template>

  <!-- Markdown-safe: HTML special characters as entities, Markdown
       punctuation (links, emphasis, code, table cells, mentions) escaped. -->
  <xsl:template name="md">
    <xsl:param name="s"/>
    <xsl:variable name="clipped">
      <xsl:call-template name="clip"><xsl:with-param name="s" select="$s"/></xsl:call-template>
    </xsl:variable>
    <xsl:call-template name="md-chars"><xsl:with-param name="s" select="$clipped"/></xsl:call-template>
  </xsl:template>

  <xsl:template name="md-chars">
    <xsl:param name="s"/>
    <xsl:if test="$s != ''">
      <xsl:variable name="c" select="substring($s, 1, 1)"/>
      <xsl:choose>
        <xsl:when test="$c = '&amp;'">&amp;amp;</xsl:when>
        <xsl:when test="$c = '&lt;'">&amp;lt;</xsl:when>
        <xsl:when test="$c = '&gt;'">&amp;gt;</xsl:when>
        <xsl:when test="contains('\`*_[]|#~@', $c)">
          <xsl:value-of select="concat('\', $c)"/>
        </xsl:when>
        <xsl:otherwise><xsl:value-of select="$c"/></xsl:otherwise>
      </xsl:choose>
      <xsl:call-template name="md-chars"><xsl:with-param name="s" select="substring($s, 2)"/></xsl:call-template>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
