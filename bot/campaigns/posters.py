"""Printable posters per placement: an A4 PDF and a PNG with a QR code, a Chinese headline, station and link.

The page is laid out once with Pillow (FreeType reads the CFF outlines of Noto Sans CJK, which reportlab's
TrueType embedding cannot) at print resolution; the PDF is that page on A4 through reportlab, with the link
clickable. Each QR code is decoded back (zxing-cpp) before the files are written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import segno
from PIL import Image, ImageDraw, ImageFont

from bot.campaigns.topics import poster_words
from core.errors import NonghuiError
from core.intents import CampaignTopic
from core.text import Bilingual
from store.campaigns import StationContact

FONT_DIRS: Final = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/opentype"), Path("/usr/share/fonts"))
REGULAR_NAME: Final = "NotoSansCJK-Regular.ttc"
BOLD_NAME: Final = "NotoSansCJK-Bold.ttc"
SC_FACE_INDEX: Final = 2  # the .ttc collections hold JP, KR, SC, TC, HK: index 2 is Simplified Chinese
DPI: Final = 200
A4_MM: Final = (210.0, 297.0)
QR_ERROR: Final = "h"  # 30 % of the code may be damaged (a wrinkled or rained-on poster still scans)
INK: Final = (20, 20, 20)
ACCENT: Final = {"loan": (0, 110, 60), "insurance": (0, 84, 160), "scam": (180, 30, 30), "general": (90, 60, 0)}


class PosterError(NonghuiError):
    """A poster could not be made: no CJK font, or the QR code did not decode back to its link."""


@dataclass(frozen=True)
class Fonts:
    """Paths of the regular and bold CJK font collections."""

    regular: Path
    bold: Path


def find_cjk_fonts(dirs: tuple[Path, ...] = FONT_DIRS) -> Fonts:
    """Locate Noto Sans CJK (Debian package fonts-noto-cjk); PosterError with the fix when it is missing."""
    for folder in dirs:
        regular = next(iter(sorted(folder.rglob(REGULAR_NAME))), None) if folder.is_dir() else None
        if regular is not None:
            bold = next(iter(sorted(folder.rglob(BOLD_NAME))), regular)
            return Fonts(regular=regular, bold=bold)
    raise PosterError(
        f"no Chinese font found ({REGULAR_NAME} under {', '.join(str(d) for d in dirs)}): "
        "install the Debian package fonts-noto-cjk (sudo apt-get install fonts-noto-cjk)"
    )


@dataclass(frozen=True)
class PosterCode:
    """One QR code on a poster and the channel name printed under it (e.g. 微信公众号 / WeChat)."""

    label: Bilingual
    link: str


@dataclass(frozen=True)
class PosterContent:
    """What one poster shows: one QR code of `link`, or the QR codes of `codes` side by side (e.g. WeChat and
    Telegram) when it names two or more."""

    topic: CampaignTopic
    campaign_name: str
    location: str
    link: str
    station: StationContact | None
    codes: tuple[PosterCode, ...] = ()

    @property
    def links(self) -> list[str]:
        """Every link a QR code of the poster carries."""
        return [code.link for code in self.codes] if len(self.codes) > 1 else [self.link]


@dataclass(frozen=True)
class Poster:
    """A rendered poster: PDF and PNG bytes."""

    pdf: bytes
    png: bytes


def qr_matrix_image(link: str, scale: int) -> Image.Image:
    """The QR code of `link` (error correction H, quiet zone 4 modules) as a black-and-white image."""
    qr = segno.make_qr(link, error=QR_ERROR, boost_error=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def decode_qr(image: Image.Image) -> list[str]:
    """Every QR code text zxing-cpp finds in `image`."""
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


class PosterMaker:
    """Lays out and renders posters; fonts are opened once per maker."""

    def __init__(self, fonts: Fonts, dpi: int = DPI) -> None:
        self._fonts = fonts
        self._dpi = dpi
        self._cache: dict[tuple[bool, int], ImageFont.FreeTypeFont] = {}

    def _font(self, size_mm: float, *, bold: bool = False) -> ImageFont.FreeTypeFont:
        pixels = round(size_mm / 25.4 * self._dpi)
        key = (bold, pixels)
        if key not in self._cache:
            path = self._fonts.bold if bold else self._fonts.regular
            self._cache[key] = ImageFont.truetype(str(path), pixels, index=SC_FACE_INDEX)
        return self._cache[key]

    def _px(self, mm: float) -> int:
        return round(mm / 25.4 * self._dpi)

    def render_png_page(self, content: PosterContent) -> Image.Image:
        """The whole A4 page as an image."""
        width, height = self._px(A4_MM[0]), self._px(A4_MM[1])
        page = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(page)
        words = poster_words(content.topic)
        accent = ACCENT[content.topic]
        margin = self._px(15)
        draw.rectangle((0, 0, width, self._px(12)), fill=accent)
        y = self._px(22)
        y = self._text_block(draw, words.headline, self._font(13, bold=True), accent, margin, y, width - 2 * margin)
        y += self._px(4)
        y = self._text_block(draw, words.call_to_action, self._font(7.5), INK, margin, y, width - 2 * margin)
        y += self._px(2)
        y = self._text_block(draw, words.english, self._font(4.5), (90, 90, 90), margin, y, width - 2 * margin)
        y += self._px(6)
        if len(content.codes) > 1:
            y = self._code_row(page, draw, content.codes, y, width)
        else:
            qr = self._qr_image(content.link, self._px(120))
            page.paste(qr, ((width - qr.width) // 2, y))
            y += qr.height + self._px(3)
            y = self._centered(draw, content.link, self._font(4.2), INK, y, width)
        y += self._px(6)
        if content.station is not None:
            station = f"{content.station.name_zh}  电话 {content.station.phone}"
            y = self._text_block(draw, station, self._font(6, bold=True), INK, margin, y, width - 2 * margin)
        footer = f"{content.campaign_name} · {content.location}"
        self._text_block(
            draw, footer, self._font(4), (110, 110, 110), margin, height - self._px(22), width - 2 * margin
        )
        self._text_block(
            draw,
            "农惠助手只作咨询参考，不收任何费用；放款前要交钱的都是骗子。",
            self._font(3.6),
            (110, 110, 110),
            margin,
            height - self._px(15),
            width - 2 * margin,
        )
        return page

    def _code_row(
        self, page: Image.Image, draw: ImageDraw.ImageDraw, codes: tuple[PosterCode, ...], y: int, width: int
    ) -> int:
        """Two (or three) QR codes side by side, each with its channel's name and link under it."""
        gap = self._px(8)
        column = (width - 2 * self._px(15) - gap * (len(codes) - 1)) // len(codes)
        size = min(column, self._px(85))
        bottom = y
        for index, code in enumerate(codes):
            left = self._px(15) + index * (column + gap)
            qr = self._qr_image(code.link, size)
            page.paste(qr, (left + (column - qr.width) // 2, y))
            below = y + qr.height + self._px(2)
            names = dict.fromkeys((code.label.zh, code.label.en))
            label = " · ".join(names)
            below = self._text_block(draw, label, self._font(5.5, bold=True), INK, left, below, column)
            below = self._text_block(draw, code.link, self._font(3.2), INK, left, below, column)
            bottom = max(bottom, below)
        return bottom

    def _qr_image(self, link: str, size: int) -> Image.Image:
        qr = segno.make_qr(link, error=QR_ERROR, boost_error=False)
        modules = int(qr.symbol_size(scale=1, border=4)[0])
        scale = max(1, size // modules)
        return qr_matrix_image(link, scale).convert("RGB")

    def _text_block(
        self,
        draw: ImageDraw.ImageDraw,
        text: str,
        font: ImageFont.FreeTypeFont,
        fill: tuple[int, int, int],
        x: int,
        y: int,
        max_width: int,
    ) -> int:
        """Draw `text` wrapped to `max_width`, centred; return the y below it."""
        line_height = round(font.size * 1.35)
        lines = [line for paragraph in text.split("\n") for line in _wrap(paragraph, font, max_width)]
        for line in lines:
            left = x + (max_width - round(draw.textlength(line, font=font))) // 2
            draw.text((left, y), line, font=font, fill=fill)
            y += line_height
        return y

    def _centered(
        self,
        draw: ImageDraw.ImageDraw,
        text: str,
        font: ImageFont.FreeTypeFont,
        fill: tuple[int, int, int],
        y: int,
        width: int,
    ) -> int:
        margin = self._px(10)
        return self._text_block(draw, text, font, fill, margin, y, width - 2 * margin)

    def make(self, content: PosterContent) -> Poster:
        """Render the poster, check its QR code decodes to the exact link, and return PDF and PNG bytes."""
        # A few dozen colours (white, ink, the accent and their anti-aliasing shades) keep files small and fast.
        page = self.render_png_page(content).quantize(
            colors=32, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
        found = decode_qr(page.convert("L"))
        if sorted(found) != sorted(content.links):
            raise PosterError(f"the poster's QR codes decode to {found!r}, not to {content.links!r}")
        png = io.BytesIO()
        page.save(png, format="PNG", dpi=(self._dpi, self._dpi))
        return Poster(pdf=self._pdf(page.convert("RGB"), content), png=png.getvalue())

    def _pdf(self, page: Image.Image, content: PosterContent) -> bytes:
        from reportlab import rl_config
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfgen import canvas

        # Binary image streams instead of ASCII85 text: a smaller file, made three times faster.
        rl_config.useA85 = 0
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
        pdf.setTitle(f"{content.campaign_name} – {content.location}")
        pdf.setAuthor("Nonghui")
        pdf.setSubject(content.link)
        width, height = A4
        pdf.drawImage(ImageReader(page), 0, 0, width, height)
        pdf.linkURL(content.link, (0, height * 0.2, width, height * 0.8), relative=0)
        pdf.showPage()
        pdf.save()
        return buffer.getvalue()


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Break `text` into lines no wider than `max_width`: at spaces for Latin text, anywhere between CJK characters."""
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        candidate = current + token
        if current and font.getlength(candidate) > max_width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words with their following space for Latin text; single characters for CJK."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        if ch.isspace() and tokens:
            tokens[-1] += ch
        else:
            tokens.append(ch)
    if word:
        tokens.append(word)
    return tokens


def poster_files(out_dir: Path, stem: str, poster: Poster) -> tuple[Path, Path]:
    """Write `<stem>.pdf` and `<stem>.png` into `out_dir` and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path, png_path = out_dir / f"{stem}.pdf", out_dir / f"{stem}.png"
    pdf_path.write_bytes(poster.pdf)
    png_path.write_bytes(poster.png)
    return pdf_path, png_path
