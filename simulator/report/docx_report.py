"""The Word briefing: a run's or a study's report as ``report.docx`` (``report.zh.docx``).

Shenzhen's briefings are written in Word. A briefing is made from the HTML report's own
page — its title, headline, banner, tables and captions, read back with the standard
library's HTML parser — so its words and numbers are the HTML report's, never a second copy
of them that could drift. Tables become real (editable) Word tables; charts become pictures,
drawn for print (300 dpi) for a run, a study's own saved PNGs for a study. A4 portrait with
20 mm margins; a table too wide for it goes on landscape A4 pages, split into parts that
repeat its first column. Chinese is set in the charts' CJK font (the runs' East-Asian font).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from simulator.report.i18n import t, zh_tidy
from simulator.report.rundata import RunData
from simulator.report.style import ReportError, cjk_font

__all__ = ["docx_file", "is_study_folder", "run_docx", "study_docx", "write_docx",
           "write_study_docx"]

PRINT_DPI = 300
"""Resolution of a run's charts in the briefing: sharp when printed at the text's width."""
PAGE_MM = (210.0, 297.0)  # A4
MARGIN_MM = 20.0
PORTRAIT_COLUMNS = 10
"""Tables with more columns go on landscape pages."""
PART_COLUMNS = 12
"""At most this many columns a table part (the first column repeated in each)."""
KEEP_ROWS = 16
"""Tables of at most this many rows are kept on one page; longer ones repeat their header."""
LATIN_FONT = "Arial"  # Word's and LibreOffice's (Liberation Sans) everyday sans serif
CODE_FONT = "Consolas"
INK, GREY, ACCENT = "1F1F1F", "5A5A5A", "A63D2A"  # the HTML report's colours
MAX_HTML_BYTES = 256 * 2**20  # a study's report.html (charts inlined) is a few MB

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_file(lang: str) -> str:
    """File name of the Word briefing in ``lang``: report.docx, report.zh.docx."""
    return "report.docx" if lang == "en" else f"report.{lang}.docx"


# ---------------------------------------------------------------- reading the HTML report

@dataclass
class _Segment:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    path: bool = False  # a key path (code.path): technical, left out of Chinese briefings


@dataclass
class _Cell:
    segments: list[_Segment]
    colspan: int = 1
    header: bool = False
    numeric: bool = False

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class _Block:
    """A heading, paragraph, list item, table or figure of the page, in page order."""

    kind: str  # h1, h2, h3, p, li, table, figure
    ident: str = ""
    classes: tuple[str, ...] = ()
    segments: list[_Segment] = field(default_factory=list)
    rows: list[list[_Cell]] = field(default_factory=list)
    png: bytes | None = None  # a figure's picture

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


_TEXT_BLOCKS = {"h1", "h2", "h3", "p", "li", "figcaption"}
_VOID = {"br", "wbr", "img", "meta", "link", "hr", "input", "col"}
_SKIPPED = {"head", "style", "script", "title", "svg"}
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class _PageReader(HTMLParser):
    """The blocks of a report page (render_page's markup) with their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self._open: list[tuple[str, dict]] = []
        self._block: _Block | None = None
        self._table: _Block | None = None
        self._cell: _Cell | None = None
        self._figure: _Block | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "br":
            self._add("\n")
        if tag in _VOID:
            return
        self._open.append((tag, a))
        ident, classes = a.get("id", ""), tuple(a.get("class", "").split())
        if tag == "table":
            self._table = _Block("table", ident, classes)
        elif tag == "tr" and self._table is not None:
            self._table.rows.append([])
        elif tag in ("td", "th") and self._table is not None and self._table.rows:
            span = a.get("colspan", "1")
            self._cell = _Cell([], int(span) if span.isdigit() and 0 < int(span) < 64 else 1,
                               tag == "th", "num" in classes)
            self._table.rows[-1].append(self._cell)
        elif tag == "figure":
            self._figure = _Block("figure", ident.removeprefix("chart-"), classes)
        elif tag in _TEXT_BLOCKS and self._table is None:
            self._block = _Block(tag, ident, classes)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(name == tag for name, _ in self._open):
            return
        while self._open and self._open.pop()[0] != tag:
            pass
        if tag == "table" and self._table is not None:
            self.blocks.append(self._table)
            self._table = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "figcaption" and self._figure is not None and self._block is not None:
            self._figure.segments = _stripped(self._block.segments)
            self._block = None
        elif tag == "figure" and self._figure is not None:
            self.blocks.append(self._figure)
            self._figure = None
        elif tag in _TEXT_BLOCKS and self._block is not None:
            self._block.segments = _stripped(self._block.segments)
            self.blocks.append(self._block)
            self._block = None

    def handle_data(self, data: str) -> None:
        if any(name in _SKIPPED or "hidden" in a for name, a in self._open):
            return  # hidden: the headline's number kept for readers of data, not of text
        self._add(re.sub(r"[ \t\r\n\f]+", " ", data))

    def _add(self, text: str) -> None:
        target = self._cell if self._cell is not None else self._block
        if target is None or not text:
            return
        names = [name for name, _ in self._open]
        code = "code" in names
        target.segments.append(_Segment(
            _XML_UNSAFE.sub("", text),
            bold=bool({"strong", "b", "th"} & set(names)),
            italic="em" in names or "i" in names,
            code=code,
            path=code and any(n == "code" and "path" in a.get("class", "").split()
                              for n, a in self._open)))


def _stripped(segments: list[_Segment]) -> list[_Segment]:
    """Segments without the blank space at either end (HTML does not show it)."""
    out = [s for s in segments if s.text]
    if out:
        out[0] = _Segment(out[0].text.lstrip(" "), out[0].bold, out[0].italic, out[0].code,
                          out[0].path)
        out[-1] = _Segment(out[-1].text.rstrip(" "), out[-1].bold, out[-1].italic,
                           out[-1].code, out[-1].path)
    return [s for s in out if s.text]


def read_page(html: str) -> list[_Block]:
    """The blocks of a report page, in order."""
    reader = _PageReader()
    reader.feed(html)
    reader.close()
    return reader.blocks


# ---------------------------------------------------------------- the Word document

def _qn(tag: str) -> str:
    return "{%s}%s" % (_W, tag.split(":")[1])


def _element(tag: str, **attrs: str):
    from docx.oxml import OxmlElement

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(_qn(f"w:{key}"), value)
    return el


def _insert(parent, child, successors: Sequence[str]) -> None:
    """Insert ``child`` before the first of ``successors`` in ``parent`` (Word reads a
    properties element's children in the schema's order only)."""
    for old in parent.findall(child.tag):
        parent.remove(old)
    for tag in successors:
        found = parent.find(_qn(tag))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


_PPR_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                   "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
                   "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                   "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                   "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
                   "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_TCPR_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                   "w:hideMark")
_TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")


def _borders(sides: Sequence[str], size: int, color: str, space: int = 0):
    """A ``w:pBdr``/``w:tblBorders`` child list: ``size`` in eighths of a point."""
    return [_element(f"w:{side}", val="single", sz=str(size), space=str(space), color=color)
            for side in sides]


class _Briefing:
    """A Word document in the report's look: A4, Arial (and the CJK font), grey tables."""

    def __init__(self, lang: str) -> None:
        import docx

        self.lang = lang
        # Chinese needs its font (charts and text alike); English uses it for the odd
        # Chinese word (a pathway's 土地整备) when there is one
        if lang == "zh":
            self.east_asia: str | None = cjk_font()
        else:
            try:
                self.east_asia = cjk_font()
            except ReportError:
                self.east_asia = None
        self.doc = docx.Document()
        self.landscape = False
        self._setup()

    # -- styles and page
    def _fonts(self, rpr, latin: str = LATIN_FONT) -> None:
        """Explicit fonts on an ``rPr``, theme fonts removed (they would win over them)."""
        fonts = rpr.find(_qn("w:rFonts"))
        if fonts is None:
            fonts = _element("w:rFonts")
            rpr.insert(0 if rpr.find(_qn("w:rStyle")) is None else 1, fonts)
        for key in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(_qn(f"w:{key}"), None)
        for key in ("ascii", "hAnsi", "cs"):
            fonts.set(_qn(f"w:{key}"), latin)
        if self.east_asia:
            fonts.set(_qn("w:eastAsia"), self.east_asia)

    def _setup(self) -> None:
        from docx.enum.text import WD_LINE_SPACING
        from docx.shared import Mm, Pt, RGBColor

        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(MARGIN_MM))
        section.header_distance = section.footer_distance = Mm(10)
        defaults = self.doc.styles.element.find(_qn("w:docDefaults"))
        rpr = defaults.find(_qn("w:rPrDefault")).find(_qn("w:rPr"))
        self._fonts(rpr)
        lang = rpr.find(_qn("w:lang"))
        lang.set(_qn("w:val"), "zh-CN" if self.lang == "zh" else "en-GB")
        lang.set(_qn("w:eastAsia"), "zh-CN")
        # no space set between Chinese and Latin text: the seed documents write
        # "深圳市20个", as zh_tidy does
        ppr = defaults.find(_qn("w:pPrDefault")).find(_qn("w:pPr"))
        for name in ("autoSpaceDN", "autoSpaceDE"):
            _insert(ppr, _element(f"w:{name}", val="0"), _PPR_AFTER_PBDR[
                _PPR_AFTER_PBDR.index(f"w:{name}") + 1:])
        styles = self.doc.styles
        # 10.5 pt is 五号, the body size of Chinese official documents
        sizes = {"Normal": 10.5 if self.lang == "zh" else 10, "Title": 18, "Heading 1": 13,
                 "Heading 2": 11, "Caption": 8.5, "Header": 7.5, "Footer": 7.5,
                 "List Bullet": None}
        for name, size in sizes.items():
            style = styles[name]
            self._fonts(style.element.get_or_add_rPr())
            if size is not None:
                style.font.size = Pt(size)
            if name != "Normal":
                style.font.color.rgb = RGBColor.from_string(GREY if name in (
                    "Caption", "Footer") else ACCENT if name == "Header" else INK)
        styles["Caption"].font.bold = False
        styles["Caption"].font.italic = False
        normal = styles["Normal"].paragraph_format
        normal.space_after = Pt(6)
        normal.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
        normal.line_spacing = 1.15
        title = styles["Title"]
        ppr = title.element.get_or_add_pPr()
        for old in ppr.findall(_qn("w:pBdr")):  # the template's rule under the title
            ppr.remove(old)
        title.paragraph_format.space_after = Pt(8)
        title.font.bold = True
        h1 = styles["Heading 1"]
        h1.paragraph_format.space_before = Pt(14)
        h1.paragraph_format.space_after = Pt(4)
        bdr = _element("w:pBdr")
        bdr.extend(_borders(["bottom"], 4, "BBBBBB", 1))  # the HTML report's rule under h2
        _insert(h1.element.get_or_add_pPr(), bdr, _PPR_AFTER_PBDR)

    def run(self, paragraph, text: str, *, bold: bool = False, italic: bool = False,
            code: bool = False, size: float | None = None, color: str | None = None):
        """A run of ``text`` with explicit fonts (East-Asian included); a newline breaks."""
        from docx.shared import Pt, RGBColor

        lines = text.split("\n")
        last = None
        for i, line in enumerate(lines):
            last = paragraph.add_run(line)
            if i < len(lines) - 1:
                last.add_break()
            self._fonts(last._element.get_or_add_rPr(), CODE_FONT if code else LATIN_FONT)
            if bold:
                last.bold = True
            if italic:
                last.italic = True
            if size is not None:
                last.font.size = Pt(size)
            if color is not None:
                last.font.color.rgb = RGBColor.from_string(color)
        return last

    def segments(self, paragraph, segments: Sequence[_Segment], *, size: float | None = None,
                 color: str | None = None, bold: bool = False) -> None:
        """A block's segments as runs: bold, italic and code as the page has them."""
        segments = list(segments)
        if self.lang == "zh":  # key paths are English identifiers a Chinese reader skips
            segments = [s for s in segments if not s.path]
            while segments and segments[-1].text.strip() == "":
                segments.pop()
        for s in segments:
            text = zh_tidy(s.text) if self.lang == "zh" and not s.code else s.text
            small = (size or 10) - 1.5 if s.path else size
            self.run(paragraph, text, bold=bold or s.bold, italic=s.italic, code=s.code,
                     size=small, color=GREY if s.path else color)

    def orient(self, landscape: bool) -> None:
        """Continue on a new A4 page in portrait or landscape (no-op if already so)."""
        from docx.enum.section import WD_ORIENT, WD_SECTION
        from docx.shared import Mm

        if landscape == self.landscape:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        width, height = (PAGE_MM[1], PAGE_MM[0]) if landscape else PAGE_MM
        section.page_width, section.page_height = Mm(width), Mm(height)
        self.landscape = landscape

    @property
    def text_width_mm(self) -> float:
        return (PAGE_MM[1] if self.landscape else PAGE_MM[0]) - 2 * MARGIN_MM

    # -- blocks
    def title(self, text: str) -> None:
        self.doc.core_properties.title = text
        self.segments(self.doc.add_paragraph(style="Title"), [_Segment(text)])

    def heading(self, block: _Block) -> None:
        self.segments(self.doc.add_heading(level=1 if block.kind == "h2" else 2),
                      block.segments)

    def paragraph(self, block: _Block) -> None:
        """A paragraph in the look its class gives it on the HTML page."""
        from docx.shared import Pt

        if block.kind == "li":
            self.segments(self.doc.add_paragraph(style="List Bullet"), block.segments,
                          size=9)
            return
        p = self.doc.add_paragraph()
        ppr = p._p.get_or_add_pPr()
        if "headline" in block.classes:
            # the quotable sentence, set off as the HTML page sets it off
            bdr = _element("w:pBdr")
            bdr.extend(_borders(["left"], 24, ACCENT, 8))
            _insert(ppr, bdr, _PPR_AFTER_PBDR)
            _insert(ppr, _element("w:shd", val="clear", color="auto", fill="F3F3F3"),
                    _PPR_AFTER_PBDR[1:])
            p.paragraph_format.left_indent = Pt(10)
            p.paragraph_format.space_before = Pt(2)
            p.paragraph_format.space_after = Pt(8)
            self.segments(p, block.segments, size=11.5 if self.lang == "zh" else 11)
        elif "notice" in block.classes:
            bdr = _element("w:pBdr")
            bdr.extend(_borders(["top", "left", "bottom", "right"], 12, ACCENT, 4))
            _insert(ppr, bdr, _PPR_AFTER_PBDR)
            p.paragraph_format.space_after = Pt(8)
            self.segments(p, block.segments, bold=True, color=ACCENT)
        elif {"meta", "coverage", "note"} & set(block.classes):
            grey = GREY if "meta" in block.classes else None
            self.segments(p, block.segments, size=9, color=grey)
        else:
            self.segments(p, block.segments)

    def figure(self, block: _Block) -> None:
        """A chart as a picture at the text's width, its title and caption under it."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        if block.png is None:
            return
        holder = self.doc.add_paragraph()
        holder.alignment = WD_ALIGN_PARAGRAPH.CENTER
        holder.paragraph_format.keep_with_next = True
        holder.add_run().add_picture(io.BytesIO(block.png), width=Mm(self.text_width_mm))
        self.segments(self.doc.add_paragraph(style="Caption"), block.segments)

    def table(self, block: _Block) -> None:
        """A page table as Word tables: one, or parts repeating the first column."""
        rows = [r for r in block.rows if r]
        if not rows:
            return
        width = max(sum(c.colspan for c in r) for r in rows)
        spans = any(c.colspan > 1 for r in rows for c in r)
        if width <= PART_COLUMNS or spans:
            self._table(rows)
            return
        step = PART_COLUMNS - 1
        for first in range(1, width, step):
            last = min(first + step, width)
            note = self.doc.add_paragraph()
            note.paragraph_format.keep_with_next = True
            self.run(note, t("docx.columns", self.lang, first=first + 1, last=last, n=width),
                     size=8, color=GREY)
            self._table([[r[0], *r[first:last]] for r in rows])

    def _table(self, rows: list[list[_Cell]]) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm, Pt

        n_cols = max(sum(c.colspan for c in r) for r in rows)
        table = self.doc.add_table(rows=len(rows), cols=n_cols)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        size = 8.0
        widths = _column_widths(rows, n_cols, self.text_width_mm, size)
        tblpr = table._tbl.tblPr
        borders = _element("w:tblBorders")
        borders.extend(_borders(["top", "bottom", "insideH"], 4, "BFBFBF"))
        borders.extend(_element(f"w:{side}", val="nil") for side in ("left", "right",
                                                                      "insideV"))
        _insert(tblpr, borders, _TBLPR_AFTER_BORDERS)
        margins = _element("w:tblCellMar")
        margins.extend(_element(f"w:{side}", w="70", type="dxa") for side in ("left",
                                                                              "right"))
        _insert(tblpr, margins, ("w:tblLook",))
        tblw = tblpr.find(_qn("w:tblW"))
        tblw.set(_qn("w:type"), "dxa")
        tblw.set(_qn("w:w"), str(round(sum(widths) * 1440 / 25.4)))
        for j, column in enumerate(table.columns):
            column.width = Mm(widths[j])
        header_rows = 0
        for i, cells in enumerate(rows):
            row = table.rows[i]
            if all(c.header for c in cells) and i == header_rows:
                header_rows += 1
            trpr = row._tr.get_or_add_trPr()
            trpr.append(_element("w:cantSplit"))  # a row never breaks across pages
            if header_rows > i:
                trpr.append(_element("w:tblHeader"))  # repeated on each page
            j = 0
            for cell in cells:
                target = row.cells[j]
                if cell.colspan > 1:
                    target = target.merge(row.cells[min(j + cell.colspan, n_cols) - 1])
                j += cell.colspan
                target.width = Mm(sum(widths[j - cell.colspan:j]))
                paragraph = target.paragraphs[0]
                paragraph.paragraph_format.space_after = Pt(0)
                paragraph.paragraph_format.line_spacing = 1.0
                if cell.numeric:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                if len(rows) <= KEEP_ROWS and i < len(rows) - 1:
                    paragraph.paragraph_format.keep_with_next = True  # a short table whole
                segments = cell.segments
                if (self.lang == "zh" and cell.header and "（" in cell.text[1:]
                        and _text_mm(cell.text, size, True) + 3.0 > sum(
                            widths[j - cell.colspan:j])):
                    # Word breaks Chinese between any two characters; a header that
                    # cannot fit on one line breaks at its bracket, as the HTML page lets
                    # it, not inside 平方公里
                    segments = _break_before_bracket(segments)
                self.segments(paragraph, segments, size=size)
                if header_rows > i:
                    _insert(target._tc.get_or_add_tcPr(),
                            _element("w:shd", val="clear", color="auto", fill="ECECEC"),
                            _TCPR_AFTER_SHD)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(2)

    def page_furniture(self, footer: str, banner: str | None) -> None:
        """The footer (what this is, page n of m) and the banner atop every page."""
        section = self.doc.sections[0]
        p = section.footer.paragraphs[0]
        self.run(p, footer + " · ")
        text = t("docx.page", self.lang, page="\x00", pages="\x01")
        before, _, rest = text.partition("\x00")
        middle, _, after = rest.partition("\x01")
        for piece, field_code in ((before, "PAGE"), (middle, "NUMPAGES"), (after, None)):
            if piece:
                self.run(p, piece)
            if field_code:  # Word fills the number in; "1" until it does
                fld = _element("w:fldSimple", instr=field_code)
                fld_run = _element("w:r")
                rpr = _element("w:rPr")
                self._fonts(rpr)
                fld_run.append(rpr)
                number = _element("w:t")
                number.text = "1"
                fld_run.append(number)
                fld.append(fld_run)
                p._p.append(fld)
        if banner:  # the provenance travels with every page a reader copies out
            self.run(section.header.paragraphs[0], banner, bold=True)

    def save(self) -> bytes:
        """The .docx bytes, the same for the same document (zip dates fixed)."""
        self.doc.core_properties.author = "landsim"
        self.doc.core_properties.last_modified_by = "landsim"
        self.doc.core_properties.language = "zh-CN" if self.lang == "zh" else "en-GB"
        core = self.doc.core_properties._element
        for child in list(core):  # the template's 2013 dates: the briefing has none of its own
            if child.tag.rsplit("}", 1)[-1] in ("created", "modified", "lastPrinted"):
                core.remove(child)
        raw = io.BytesIO()
        self.doc.save(raw)
        out = io.BytesIO()
        with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)),
                             src.read(info.filename), zipfile.ZIP_DEFLATED)
        return out.getvalue()

    def render(self, blocks: Sequence[_Block]) -> None:
        """Blocks in order; a wide table (and its heading) on landscape pages."""
        for i, block in enumerate(blocks):
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            wide = _is_wide(block) or (block.kind in ("h2", "h3") and following is not None
                                       and _is_wide(following))
            self.orient(wide)
            if block.kind == "h1":
                self.title(block.text)
            elif block.kind in ("h2", "h3"):
                self.heading(block)
            elif block.kind == "table":
                self.table(block)
            elif block.kind == "figure":
                self.figure(block)
            else:
                self.paragraph(block)
                if following is not None and following.kind == "table":
                    # a table's lead-in stays on its page
                    self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        self.orient(False)


def _break_before_bracket(segments: list[_Segment]) -> list[_Segment]:
    """``segments`` with a line break before the first "（" that does not begin them."""
    out, done, at = [], False, 0
    for s in segments:
        cut = s.text.find("（", 1 if at == 0 else 0)
        if not done and cut >= 0:
            out.append(_Segment(s.text[:cut] + "\n" + s.text[cut:], s.bold, s.italic,
                                s.code, s.path))
            done = True
        else:
            out.append(s)
        at += len(s.text)
    return out


def _is_wide(block: _Block) -> bool:
    return block.kind == "table" and any(
        sum(c.colspan for c in r) > PORTRAIT_COLUMNS for r in block.rows)


_CJK_WIDE = re.compile("[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
_BREAKS = re.compile("[\\s（）：；，、。]+")


def _text_mm(text: str, size: float, bold: bool = False) -> float:
    """About how wide ``text`` is at ``size`` pt in Arial: a Latin character 0.58 em (0.66
    bold; generous, capitals and "w" are wider), a Chinese one 1 em."""
    latin = 0.66 if bold else 0.58
    ems = sum(1.0 if _CJK_WIDE.match(ch) else latin for ch in text)
    return ems * size * 25.4 / 72


def _column_widths(rows: list[list[_Cell]], n_cols: int, total: float,
                   size: float = 8.0) -> list[float]:
    """Column widths (mm) adding up to ``total``, as a browser lays out the HTML table: no
    column narrower than its longest word (a number whole, as ``td.num`` never wraps;
    Chinese terms such as 平方公里 whole, as the page keeps them), the room left shared in
    proportion to what each column needs to show its cells on one line (a header's words
    may go over lines)."""
    pad = 3.0  # the cell's margins (1.2 mm a side) and a little air
    least, want = [pad] * n_cols, [pad] * n_cols
    for cells in rows:
        j = 0
        for cell in cells:
            if cell.colspan == 1 and j < n_cols:
                bold = cell.header or any(s.bold for s in cell.segments)
                line = _text_mm(cell.text, size, bold)
                words = [cell.text] if cell.numeric and not cell.header else [
                    w for w in _BREAKS.split(cell.text) if w]
                word = max((_text_mm(w, size, bold) for w in words), default=0.0)
                # a header's key path may break anywhere rather than take the page
                least[j] = max(least[j], min(word, 22.0 if cell.header else 40.0) + pad)
                want[j] = max(want[j], min(line, 16.0 if cell.header else 45.0) + pad)
            j += cell.colspan
    want = [max(w, lo) for w, lo in zip(want, least, strict=True)]
    if sum(want) <= total:
        return [w * total / sum(want) for w in want]
    if sum(least) >= total:
        return [lo * total / sum(least) for lo in least]
    k = (total - sum(least)) / (sum(want) - sum(least))
    return [lo + k * (w - lo) for w, lo in zip(want, least, strict=True)]


# ---------------------------------------------------------------- a run's briefing

def _chart_png(draw: Callable, run: RunData, lang: str, caption: str) -> tuple[str, bytes]:
    """``draw(run)`` as the report draws it (style, caption) as a PNG at print resolution;
    returns the chart's title and the PNG."""
    from simulator.report.charts import chart_title, finish_chart
    from simulator.report.style import chart_style

    with chart_style(lang), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="constrained_layout not applied")
        ax = draw(run, lang=lang)
        ax = ax[0] if isinstance(ax, list) else ax  # small multiples: their first panel
        title = chart_title(ax)
        finish_chart(ax, caption)
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", dpi=PRINT_DPI)
    return title, buffer.getvalue()


def run_docx(run: RunData, *, lang: str = "en") -> bytes:
    """A run's Word briefing: title, headline, banner, what the intervals cover, the
    targets table, the fan chart and S-curve, the district section (with its map and fans)
    for a run with districts, the lever table and the run's manifest.

    Raises ``ReportError`` for ``lang="zh"`` without a CJK font.
    """
    from simulator.report.charts import fan_chart, s_curve_chart
    from simulator.report.district_charts import district_charts_for
    from simulator.report.html import render_report
    from simulator.report.i18n import scenario_name

    brief = _Briefing(lang)  # fails first without a CJK font
    blocks = read_page(render_report(run, [], lang=lang))
    caption = t("caption", lang, name=scenario_name(run.scenario, lang),
                n=f"{run.replications:,}", seed=run.seed)
    stop = "。" if lang == "zh" else ". "  # as the HTML figure's caption
    def figure(name: str, draw: Callable) -> _Block:
        title, png = _chart_png(draw, run, lang, caption)
        title = re.sub(r"\s*\n\s*", " ", title)  # a page's caption runs on, as in HTML
        return _Block("figure", name, segments=[_Segment(f"{title}{stop}{caption}")], png=png)

    figures = [figure("fan", fan_chart), figure("s-curve", s_curve_chart)]
    by_id = {b.ident: b for b in blocks if b.ident}
    title = next(b for b in blocks if b.kind == "h1")
    meta = next(b for b in blocks if "meta" in b.classes)
    chosen = [title, by_id["headline"]]
    chosen += [by_id[k] for k in ("notice", "coverage") if k in by_id]
    for wanted in ("targets", "districts", "levers", "manifest"):
        section = _section_of(blocks, wanted)
        if wanted == "districts" and section:
            # a briefing stays short: the lead, the map and the headline target's table
            # (the fans and the other targets are in the HTML report)
            lead = next(i for i, b in enumerate(section) if b.ident == "districts-lead")
            table = next(i for i, b in enumerate(section) if b.ident == "districts")
            maps = [figure(n, d) for n, d in district_charts_for(run) if n == "district-map"]
            section = [*section[:lead + 1], *maps, *section[table - 1:table + 2]]
        chosen += section
        if wanted == "targets":
            chosen += [_Block("h2", segments=[_Segment(t("section.charts", lang))]), *figures]
    brief.render(chosen)
    notice = by_id.get("notice")
    brief.page_furniture(meta.text, notice.text if notice is not None else None)
    return brief.save()


def _section_of(blocks: list[_Block], table_id: str) -> list[_Block]:
    """The blocks from the heading above table ``table_id`` to the next heading ([] if the
    page has no such table)."""
    at = next((i for i, b in enumerate(blocks) if b.kind == "table" and b.ident == table_id),
              None)
    if at is None:
        return []
    start = max((i for i in range(at) if blocks[i].kind == "h2"), default=at)
    end = next((i for i in range(at + 1, len(blocks)) if blocks[i].kind == "h2"),
               len(blocks))
    return blocks[start:end]


# ---------------------------------------------------------------- a study's briefing

def study_docx(html: str, pictures: Mapping[str, Path], *, lang: str = "en") -> bytes:
    """A study's Word briefing from its report page (``render_study_report``'s HTML):
    title, headline, notes, design, tables as Word tables, charts as pictures
    (``pictures``: a figure's name → its PNG) and the manifest.

    Raises ``ReportError`` for a chart without a PNG or with one that is not a PNG, and
    for ``lang="zh"`` without a CJK font.
    """
    brief = _Briefing(lang)
    blocks = read_page(html)
    if not any(b.kind == "h1" for b in blocks) or not any(b.ident == "headline"
                                                          for b in blocks):
        raise ReportError("not a landsim study report (it has no title and headline)")
    for block in blocks:
        if block.kind == "figure":
            block.png = _png(pictures.get(block.ident), block.ident)
    # the page's order, but the headline (and the notes under it) first after the title,
    # as in a run's briefing: the design follows them
    top = next((i for i, b in enumerate(blocks) if b.kind == "h2"), len(blocks))
    title = next(b for b in blocks[:top] if b.kind == "h1")
    meta = [b for b in blocks[:top] if "meta" in b.classes]
    lead = [b for b in blocks[:top] if b is not title and all(b is not m for m in meta)]
    brief.render([title, *lead, *meta, *blocks[top:]])
    brief.page_furniture(title.text, None)
    return brief.save()


def _png(path: Path | None, name: str) -> bytes:
    if path is None or not Path(path).is_file():
        raise ReportError(f"chart {name!r}: its PNG is missing (rerun the study to draw it)")
    data = Path(path).read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ReportError(f"{path}: not a PNG image (rerun the study to draw it)")
    return data


def write_study_docx(folder: str | Path, html: str, charts: Sequence, *,
                     lang: str = "en") -> Path:
    """Write a study's ``report.docx`` (``report.zh.docx``) from its report page and its
    :class:`~simulator.report.charts.ChartFile` charts; returns the path."""
    data = study_docx(html, {c.name: c.png for c in charts}, lang=lang)
    return write_bytes_atomically(Path(folder) / docx_file(lang), data)


# ---------------------------------------------------------------- folders

def is_study_folder(folder: str | Path) -> bool:
    """Whether ``folder`` holds a study's report: a folder landsim wrote, with a report
    page, that is not a run's (a run has run.json and its marker says "run")."""
    import json

    from simulator.run.output import MARKER, is_landsim_output

    folder = Path(folder)
    if not (folder.is_dir() and is_landsim_output(folder) and not (folder / "run.json").exists()
            and any((folder / f"report{s}.html").is_file() for s in ("", ".zh"))):
        return False
    try:
        kind = json.loads((folder / MARKER).read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        kind = None  # an earlier landsim's study: recognised by its manifest
    return kind != "run"


def write_docx(folder: str | Path, *, lang: str = "en") -> Path:
    """Write the Word briefing of a run or study folder from its saved files; no
    simulation. Returns the path of ``report.docx`` (``report.zh.docx``).

    A run's charts are drawn anew for print; a study's briefing is its ``report.html``
    (``report.zh.html``) with the charts it saved. Raises ``ReportError`` for a folder
    that is neither (or a study without the report in ``lang``), or for ``lang="zh"``
    without a CJK font; nothing is written then.
    """
    folder = Path(folder)
    if is_study_folder(folder):
        page = folder / ("report.html" if lang == "en" else f"report.{lang}.html")
        if not page.is_file():
            raise ReportError(f"{folder}: this study has no {page.name}; rerun it with "
                              f"--lang {lang} (or en,zh) to write one")
        if page.stat().st_size > MAX_HTML_BYTES:
            raise ReportError(f"{page}: larger than a study report can be")
        html = page.read_text(encoding="utf-8", errors="replace")
        pictures = {}
        for name in re.findall(r'<figure id="chart-([\w-]+)"', html):
            for charts in ([f"charts-{lang}"] if lang != "en" else []) + ["charts"]:
                if (folder / charts / f"{name}.png").is_file():
                    pictures[name] = folder / charts / f"{name}.png"
                    break
        data = study_docx(html, pictures, lang=lang)
    else:
        data = run_docx(RunData.load(folder), lang=lang)  # raises if not a run folder
    return write_bytes_atomically(folder / docx_file(lang), data)


def write_bytes_atomically(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename: a reader (Word
    holding the old file open, a copy in progress) never sees half a document."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes it private; outputs are shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
