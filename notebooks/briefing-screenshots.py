"""Screenshots of what a report writer pastes, as headless Chromium draws it at A4 width.

Run: .venv/bin/python notebooks/briefing-screenshots.py [OUT]   (default docs/img; about a
minute). Needs Debian's chromium and chromium-driver (`make browser`). Runs plan-2024 (2,000
replications, seed 0) in English and Chinese, and the README's three-scenario comparison, into
a temporary folder, then saves docs/img/briefing-<part>-<lang>.png for the fan chart, the
S-curve, the lever table and the comparison chart: the before-and-after record of issue 27.
"""

import shutil
import sys
import tempfile
from pathlib import Path

import simulator.cli as cli

ROOT = Path(__file__).resolve().parents[1]
A4_WIDTH = 794  # CSS pixels: 210 mm at 96 dpi
PARTS = {"fan": "#chart-fan", "s-curve": "#chart-s-curve", "levers": "#levers"}


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--window-size={A4_WIDTH},1400", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def main(out: Path) -> None:
    from selenium.webdriver.common.by import By

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="landsim-shots-") as tmp:
        tmp = Path(tmp)
        run = tmp / "plan-2024"
        assert cli.main(["run", str(ROOT / "scenarios/plan-2024.yaml"), "-n", "2000", "-q",
                         "--lang", "en,zh", "--out", str(run)]) == 0
        names = ("baseline", "renewal-downturn", "consolidation-push")
        for name in names:
            assert cli.main(["run", str(ROOT / f"scenarios/{name}.yaml"), "-n", "2000", "-q",
                             "--no-report", "--out", str(tmp / name)]) == 0
        for lang in ("en", "zh"):
            assert cli.main(["compare", *(str(tmp / n) for n in names), "--lang", lang,
                             "--out", str(tmp / f"compare-{lang}")]) == 0
        driver = browser()
        try:
            for lang, page in (("en", "report.html"), ("zh", "report.zh.html")):
                driver.get((run / page).as_uri())
                for part, selector in PARTS.items():
                    element = driver.find_element(By.CSS_SELECTOR, selector)
                    driver.execute_script("arguments[0].scrollIntoView();", element)
                    element.screenshot(str(out / f"briefing-{part}-{lang}.png"))
                driver.get((tmp / f"compare-{lang}" / "comparison.html").as_uri())
                element = driver.find_element(By.CSS_SELECTOR, "figure")
                element.screenshot(str(out / f"briefing-compare-{lang}.png"))
        finally:
            driver.quit()
    print(f"wrote {out}/briefing-*.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img")
