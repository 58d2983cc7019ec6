"""A passport application in a real browser: a citizen on a phone applies with a photo, staff ask
for more information, the citizen answers, staff approve and print (the MRZ appears), and the
citizen sees where and how to collect it. Axe on every page, in English and Chinese, wide and narrow."""

import re

from playwright.sync_api import expect

from tests.fixtures.browser import PASSWORD, browser_sign_in
from tests.fixtures.passports import photo_bytes


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_apply_with_a_photo_answer_a_question_and_see_ready_for_pickup(live_server, browser, make_user, check_page):
    citizen = make_user("citizen", name="陳美玲")
    officer = make_user("staff", mission="tokyo", name="林怡君")

    phone = browser.new_context(viewport={"width": 320, "height": 700}, locale="en")
    page = phone.new_page()
    page.goto(live_server + "/passports")
    check_page(page, "passports-info-en-320")
    fits(page, 320)
    page.get_by_role("link", name="Apply for a passport").first.click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(citizen.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Apply for a passport: can you apply online?")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check_page(page, "passports-eligibility-errors-en-320")
    fits(page, 320)
    page.get_by_role("group", name="What kind of application is it?").get_by_label("First adult passport").check()
    for question, answer in (("Do you have a national identification number", "Yes"),
                             ("Is your current passport damaged?", "No"),
                             ("Has your Chinese name changed", "No"),
                             ("Do you hold a valid visa or residence permit", "Yes")):
        page.get_by_role("group", name=re.compile(re.escape(question))).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    page.get_by_label("National identification number").fill("A123456788")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".error-summary")).to_contain_text("This national identification number is not valid")
    check_page(page, "passports-identity-errors-en-320")
    fits(page, 320)
    page.get_by_label("National identification number").fill("A123456789")
    page.get_by_label("Name in Chinese characters").fill("陳美玲")
    page.get_by_label("Name in Latin letters, as it will print").fill("chen, mei-ling")
    birth = page.get_by_role("group", name="Date of birth")
    birth.get_by_label("Day").fill("31")
    birth.get_by_label("Month").fill("5")
    birth.get_by_label("Year").fill("1990")
    page.get_by_label("Place of birth").fill("臺北市")
    page.get_by_label("Female").check()
    page.get_by_label("Height in centimetres").fill("162")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="How we can reach you")).to_be_visible()
    page.get_by_label("Phone number").fill("+81 90 1234 5678")
    page.get_by_label("Address where you live now").fill("1-2-3 Shirokanedai, Minato-ku, Tokyo")
    check_page(page, "passports-contact-en-320")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Where you will collect it")).to_be_visible()
    page.get_by_label("Where will you collect your passport?").select_option(
        label="Taipei Economic and Cultural Representative Office in Japan")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Your photo")).to_be_visible()
    page.get_by_label("Passport photo").set_input_files(
        {"name": "square.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(size=(600, 600))})
    page.get_by_role("button", name="Upload photo").click()
    expect(page.locator(".error-summary")).to_contain_text("35 wide by 45 high")
    check_page(page, "passports-photo-refused-en-320")
    page.get_by_label("Passport photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(size=(826, 1063))})
    page.get_by_role("button", name="Upload photo").click()
    preview = page.locator("figure.passport-photo img")
    expect(preview).to_be_visible()
    # the photo is loaded and is the one uploaded (waited for: a busy machine loads it a moment later)
    page.wait_for_function("() => { const img = document.querySelector('figure.passport-photo img');"
                           " return img && img.complete && img.naturalWidth === 826; }")
    check_page(page, "passports-photo-en-320")
    fits(page, 320)
    page.get_by_role("link", name="Use this photo and continue").click()

    expect(page.get_by_role("heading", name="Check your answers before sending your application")).to_be_visible()
    expect(page.locator("main")).to_contain_text("CHEN, MEI-LING")
    expect(page.locator("main")).to_contain_text("NT$1,300")
    check_page(page, "passports-check-en-320")
    fits(page, 320)
    page.get_by_role("link", name="Change Height").click()
    page.get_by_label("Height in centimetres").fill("163")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check your answers before sending your application")).to_be_visible()
    expect(page.locator("main")).to_contain_text("163 cm")
    page.get_by_role("button", name="Send application").click()
    expect(page.locator(".error-summary")).to_contain_text("Tick the declaration")
    page.get_by_label(re.compile("I declare that the information")).check()
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("heading", name="Your request has been sent")).to_be_visible()
    reference = page.locator(".panel-confirmation .reference").inner_text()
    assert reference.startswith("PPT-")
    expect(page.locator("main")).to_contain_text("NT$1,300")
    check_page(page, "passports-sent-en-320")
    fits(page, 320)

    # The officer sees the photo beside the data and asks for more information.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    staff = desk.new_page()
    browser_sign_in(staff, live_server, officer, f"/staff/cases/{reference}")
    staff.get_by_role("button", name="Claim this case").click()
    expect(staff.get_by_role("img", name="Passport photo of 陳美玲")).to_be_visible()
    expect(staff.locator("main")).to_contain_text("A1••••••89")
    expect(staff.locator("main")).not_to_contain_text("A123456789")
    staff.get_by_role("button", name="Show the full national ID").click()
    expect(staff.locator("main")).to_contain_text("A123456789")
    check_page(staff, "passports-national-id-en-1280")
    staff.get_by_role("link", name="Back to the case").click()
    staff.get_by_label("Note for “Ask the citizen for more information” (required)").fill(
        "Is the place of birth Taipei City or New Taipei City?")
    staff.get_by_role("button", name="Ask the citizen for more information").click()
    expect(staff.get_by_text("Done. The case is now: Waiting for more information.")).to_be_visible()
    check_page(staff, "passports-staff-case-en-1280")

    page.goto(live_server + f"/account/cases/{reference}")
    expect(page.locator("main")).to_contain_text("Is the place of birth Taipei City or New Taipei City?")
    page.get_by_label("Note for “Send your reply” (required)").fill("Taipei City.")
    page.get_by_role("button", name="Send your reply").click()
    expect(page.get_by_text("Done. The case is now: Information sent.")).to_be_visible()

    staff.reload()
    for action, status in (("Approve the application", "Approved"), ("Record the passport as printed", "Printed"),
                           ("Mark as ready for pickup", "Ready for pickup")):
        staff.get_by_role("button", name=action).click()
        expect(staff.get_by_text(f"Done. The case is now: {status}.")).to_be_visible()
    mrz = staff.locator("pre.mrz")
    expect(mrz).to_be_visible()
    lines = mrz.inner_text().split("\n")
    assert lines[0] == "P<TWNCHEN<<MEI<LING" + "<" * 25 and len(lines[1]) == 44
    assert lines[1][13:19] == "900531" and lines[1][28:38] == "A123456789"
    assert mrz.evaluate("el => getComputedStyle(el).fontFamily").lower().find("mono") >= 0
    check_page(staff, "passports-staff-printed-en-1280")

    page.goto(live_server + f"/account/cases/{reference}")
    ready = page.locator("section.notice-success")
    expect(ready).to_contain_text("Your passport is ready to collect")
    expect(ready).to_contain_text("Opening hours")
    expect(ready.get_by_role("link", name="Open the map")).to_be_visible()
    check_page(page, "passports-ready-en-320")
    fits(page, 320)
    for context in (phone, desk):
        context.close()


def test_the_passport_pages_in_chinese_wide_and_narrow(live_server, browser, make_user, make_passport_draft,
                                                       check_page):
    citizen = make_user("citizen", name="陳美玲", locale="zh_Hant_TW")
    token = make_passport_draft(citizen, "renewal")
    for width in (1280, 320):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-TW")
        page = context.new_page()
        page.goto(live_server + "/passports")
        expect(page.get_by_role("heading", name="護照", exact=True)).to_be_visible()
        expect(page.locator("main")).to_contain_text("新臺幣1,300元")
        check_page(page, f"passports-info-zh-{width}")
        fits(page, width)
        browser_sign_in(page, live_server, citizen, "/passports/apply")
        expect(page.get_by_role("heading", name="申請護照：您可以線上申請嗎？")).to_be_visible()
        check_page(page, f"passports-eligibility-zh-{width}")
        fits(page, width)
        page.goto(live_server + f"/passports/applications/{token}/identity")
        check_page(page, f"passports-identity-zh-{width}")
        fits(page, width)
        page.goto(live_server + f"/passports/applications/{token}/previous")
        check_page(page, f"passports-previous-zh-{width}")
        page.goto(live_server + f"/passports/applications/{token}/check")
        expect(page.locator("main")).to_contain_text("民國79年5月31日")
        check_page(page, f"passports-check-zh-{width}")
        fits(page, width)
        page.goto(live_server + "/account")
        expect(page.locator("main")).to_contain_text("尚未送出的申請")
        check_page(page, f"passports-my-cases-zh-{width}")
        context.close()
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    page = wide.new_page()
    page.goto(live_server + "/passports")
    check_page(page, "passports-info-en-1280")
    wide.close()
