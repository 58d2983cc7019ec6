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


def test_a_supervisor_publishes_the_white_paper_and_the_public_reads_it(live_server, browser, make_user,
                                                                       case_history, refresh_stats, check_page):
    for days in (1, 2, 3, 7, 8, 9):
        case_history("enquiry", [("start", 1), ("answer", 24 * days)])
    refresh_stats()
    supervisor = make_user("supervisor", locale="en")
    page = browser.new_context(locale="en").new_page()
    browser_sign_in(page, live_server, supervisor, "/staff/stats/white-paper/115")
    expect(page.get_by_role("heading", name="Citizen Service White Paper")).to_be_visible()
    check_page(page, "white-paper-edit-en")
    # Publishing with the introduction in one language only: refused, with the summary focused.
    introduction = page.get_by_role("group", name="Introduction")
    introduction.get_by_label("In Chinese").fill("本年度領務服務持續改善，行動領務擴及更多館處。")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_page(page, "white-paper-edit-errors-en")
    introduction = page.get_by_role("group", name="Introduction")
    introduction.get_by_label("In English").fill("Consular services kept improving; mobile services reached more missions.")
    processing = page.get_by_role("group", name="Volumes and processing times")
    processing.get_by_label("In English").fill("Four in six enquiries were answered in time.\n\nWe aim higher.")
    processing.get_by_label("In Chinese").fill("六件詢問中有四件於時限內答覆。\n\n我們將持續努力。")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("The draft is saved.")).to_be_visible()
    page.get_by_role("link", name="Preview the draft").click()
    expect(page.get_by_text("We aim higher.")).to_be_visible()
    check_page(page, "white-paper-preview-en")
    page.get_by_role("link", name="Back to the draft").click()
    page.get_by_role("button", name="Save and publish").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The white paper is published.")).to_be_visible()
    expect(page.get_by_role("list").filter(has_text="Published")).to_be_visible()
    page.context.close()

    for locale, width, words in (("en", 1280, ("Statistics", "Citizen Service White Paper", "We aim higher.")),
                                 ("zh-TW", 320, ("統計資料", "為民服務白皮書", "我們將持續努力。"))):
        reader = browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()
        reader.goto(live_server + "/statistics")
        expect(reader.get_by_role("heading", name=words[0], exact=True)).to_be_visible()
        check_page(reader, f"statistics-{locale}-{width}")
        fits(reader, width)
        reader.get_by_role("link", name=words[1]).first.click()
        expect(reader.get_by_text(words[2])).to_be_visible()
        expect(reader.get_by_role("table").first).to_be_visible()
        check_page(reader, f"white-paper-{locale}-{width}")
        fits(reader, width)
        reader.emulate_media(media="print")
        check_page(reader, f"white-paper-print-{locale}-{width}")
        reader.context.close()
