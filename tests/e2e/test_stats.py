"""The KPI dashboard in a real browser, with axe, in both languages, on a desktop and a 320 px phone:
headline figures against their targets, a chart with its table, filters used from the keyboard and a
table downloaded."""

from pathlib import Path

from playwright.sync_api import expect

from tests.fixtures.browser import browser_sign_in


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_a_supervisor_reads_filters_and_downloads_the_kpis(live_server, browser, make_user, case_history,
                                                          refresh_stats, check_page):
    # March of ROC year 115: six enquiries, four of them decided within five working days.
    for days in (1, 2, 3, 7, 8, 9):
        case_history("enquiry", [("start", 1), ("answer", 24 * days)])
    for minutes in (10, 20, 30, 40, 50, 60):
        case_history("assistance", [("contact", minutes / 60)])
    refresh_stats()
    for locale, width, words in (
            ("en", 1280, {"title": "Consular KPIs", "quarter": "Quarter", "show": "Show these figures",
                          "period": "Quarter 1 of 2026 (ROC year 115)",
                          "chart": "Share decided within the service level, by service",
                          "table": "Volumes and processing times, by service",
                          "download": "Download “Volumes and processing times, by service” (CSV)"}),
            ("zh_Hant_TW", 320, {"title": "領務績效指標", "quarter": "季", "show": "顯示", "period": "民國115年第1季",
                                 "chart": "各項服務於時限內決定的比率", "table": "各項服務的案件量與處理時間",
                                 "download": "下載「各項服務的案件量與處理時間」（CSV）"})):
        supervisor = make_user("supervisor", locale=locale)  # one each: a code works once
        page = browser.new_context(locale="zh-TW" if locale.startswith("zh") else "en",
                                   viewport={"width": width, "height": 900}).new_page()
        browser_sign_in(page, live_server, supervisor, "/staff/stats?year=115")
        expect(page.get_by_role("heading", name=words["title"], exact=True)).to_be_visible()
        check_page(page, f"stats-{locale}-{width}")
        fits(page, width)

        # A quarter chosen, and the filters applied from the keyboard.
        page.get_by_label(words["quarter"], exact=True).select_option("1")
        page.get_by_role("button", name=words["show"]).focus()
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page.locator(".lead")).to_have_text(words["period"])
        chart = page.get_by_role("img", name=words["chart"])
        expect(chart).to_be_visible()
        table = page.get_by_role("table", name=words["table"])
        expect(table).to_contain_text("67 %")
        check_page(page, f"stats-quarter-{locale}-{width}")
        fits(page, width)

        with page.expect_download() as download:
            page.get_by_role("link", name=words["download"]).click()
        body = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "General enquiry,6,6,66.7,3,7,5" in body or "一般詢問,6,6,66.7,3,7,5" in body
        page.context.close()
