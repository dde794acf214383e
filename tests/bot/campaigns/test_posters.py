import io
import shutil
import subprocess

import pytest
from PIL import Image

from bot.campaigns.posters import PosterContent, PosterError, PosterMaker, decode_qr, find_cjk_fonts, poster_files
from store.campaigns import StationContact

LINK = "https://t.me/NonghuiBot?start=k3x9ab-q2w3e4r5t6"
STATION = StationContact(name_zh="青山镇农村金融服务站", name_en="Qingshan station", phone="0759-0000001")


@pytest.fixture(scope="module")
def maker():
    try:
        fonts = find_cjk_fonts()
    except PosterError as err:
        pytest.skip(str(err))
    return PosterMaker(fonts)


def content(topic="scam", link=LINK, station=STATION):
    return PosterContent(topic=topic, campaign_name="冬季防骗宣传", location="李家村村委会", link=link, station=station)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pdf_first_page_rendered_by_pdftoppm_decodes_to_the_exact_link(maker, tmp_path):
    pdf, png = poster_files(tmp_path, "poster", maker.make(content()))
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    (page,) = tmp_path.glob("page*.png")
    assert decode_qr(Image.open(page)) == [LINK]
    assert decode_qr(Image.open(png)) == [LINK]


def test_pdf_is_one_a4_page_with_the_link(maker):
    import pypdfium2

    poster = maker.make(content(topic="loan", station=None))
    document = pypdfium2.PdfDocument(poster.pdf)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert LINK.encode() in poster.pdf  # the clickable link annotation


@pytest.mark.parametrize("topic", ["loan", "insurance", "scam", "general"])
def test_every_topic_renders_and_its_qr_survives_a_blurred_half_size_copy(maker, topic):
    link = f"https://chat.example.cn/?start=abcd{len(topic)}x-abcdefghij"
    poster = maker.make(content(topic=topic, link=link))
    image = Image.open(io.BytesIO(poster.png)).convert("L")
    assert image.size[0] < image.size[1]  # portrait
    from PIL import ImageFilter

    worn = image.resize((image.width // 2, image.height // 2)).filter(ImageFilter.GaussianBlur(1.2))
    assert decode_qr(worn) == [link]


def test_missing_font_gives_a_clear_error(tmp_path):
    with pytest.raises(PosterError, match="fonts-noto-cjk"):
        find_cjk_fonts((tmp_path,))
