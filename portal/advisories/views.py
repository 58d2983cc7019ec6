"""Public travel advice: the list, a country's page and print view, feeds, CAP, subscriptions."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for

from portal.advisories import alerts, queries
from portal.advisories.cap import cap_document
from portal.advisories.feeds import atom_feed
from portal.advisories.forms import SubscribeForm, UnsubscribeForm
from portal.advisories.levels import LEVEL_ORDER, SECTION_TITLES, SECTIONS, Indicator
from portal.advisories.public_cache import kept_content, public_response
from portal.advisories.regions import ALTERNATIVE_NAMES, COUNTRY_REGION, REGION_CHOICES
from portal.core import policy
from portal.core.forms import choices
from portal.core.i18n import _, collation_key, get_locale, is_chinese
from portal.core.refusal import Refused
from portal.core.web import refuse
from portal.extensions import csrf, db, limiter
from portal.missions.models import Country
from portal.missions.service import country_by_code, covering_mission

#: requests for alerts: from one address, and for one email address whoever asks
SUBSCRIBE_PER_ADDRESS = "10 per hour"
SUBSCRIBE_PER_EMAIL = "5 per day"

bp = Blueprint("advisories", __name__, url_prefix="/advisories")


def _country_or_404(code: str) -> Country:
    country = country_by_code(db.session, code)
    if country is None or country.code == "TW":
        abort(404)
    return country


def _matches(country: Country, query: str) -> bool:
    haystack = " ".join([country.code, country.name_zh, country.name_en, ALTERNATIVE_NAMES.get(country.code, "")])
    return query.casefold() in haystack.casefold()


@bp.route("")
@policy.public
def index():
    level, region, indicator = request.args.get("level", ""), request.args.get("region", ""), request.args.get(
        "indicator", "")
    query = request.args.get("q", "").strip()[:100]

    def render():
        chinese = is_chinese()
        editions = queries.current_editions(db.session)
        rows = []
        for country in queries.countries(db.session):
            edition = editions.get(country.code)
            if edition is None:
                continue
            if level and level not in {edition.level.value, *(r.level.value for r in edition.regions)}:
                continue
            if region and COUNTRY_REGION.get(country.code) != region:
                continue
            if indicator and indicator not in edition.indicators:
                continue
            if query and not _matches(country, query):
                continue
            rows.append((country, edition))
        rows.sort(key=lambda row: (-row[1].highest_level.number, collation_key(row[0].name(chinese))))
        # One section per world region, with jump links to each: 250 countries on one page stay findable.
        sections = [(key, title, [row for row in rows if COUNTRY_REGION.get(row[0].code) == key])
                    for key, title in REGION_CHOICES]
        elsewhere = [row for row in rows if row[0].code not in COUNTRY_REGION]
        if elsewhere:
            sections.append(("elsewhere", _("Elsewhere"), elsewhere))
        return render_template("advisories/index.html", rows=rows, levels=LEVEL_ORDER,
                               sections=[section for section in sections if section[2]],
                               region_choices=REGION_CHOICES, indicators=list(Indicator), chosen=request.args,
                               query=query, banner=queries.active_banner(db.session))

    return public_response(db.session, render)


@bp.route("/<code>")
@policy.public
def country(code):
    if code != code.upper():
        return redirect(url_for(request.endpoint, code=code.upper()), code=301)

    def render():
        country = _country_or_404(code)
        edition = queries.current_edition(db.session, country.code)
        if edition is None:
            abort(404)
        return render_template("advisories/country.html", country=country, edition=edition,
                               history=queries.published_history(db.session, country.code),
                               mission=covering_mission(db.session, country.code), sections=SECTIONS,
                               section_titles=SECTION_TITLES, banner=queries.active_banner(db.session),
                               print_view=request.endpoint == "advisories.print_country")

    return public_response(db.session, render)


@bp.route("/<code>/print")
@policy.public
def print_country(code):
    return country(code)


@bp.route("/feed.atom")
@policy.public
def feed():
    return public_response(db.session, lambda: atom_feed(queries.published_history(db.session, limit=100),
                                                         chinese=is_chinese()),
                           mimetype="application/atom+xml")


@bp.route("/<code>/feed.atom")
@policy.public
def country_feed(code):
    def render():
        country = _country_or_404(code)
        return atom_feed(queries.published_history(db.session, country.code), chinese=is_chinese(), country=country)

    return public_response(db.session, render, mimetype="application/atom+xml")


@bp.route("/<code>.cap.xml")
@policy.public
def cap(code):
    def render():
        country = _country_or_404(code)
        edition = queries.current_edition(db.session, country.code)
        if edition is None:
            abort(404)
        return cap_document(edition)

    return public_response(db.session, render, mimetype="application/xml")


def _subscribe_form() -> SubscribeForm:
    form = SubscribeForm(country_code=request.args.get("country", ""))
    chinese = is_chinese()
    form.country_code.choices = choices([("", _("Every country"))] + [
        (c.code, c.name(chinese)) for c in sorted(queries.countries(db.session), key=lambda c: c.name(chinese))])
    return form


def _subscription_email_key() -> str:
    return "subscribe-email:" + request.form.get("email", "").strip().lower()[:254]


def _too_many_subscriptions(limit):
    """Over a limit: the form again with a plain reason (the address is not written to)."""
    form = _subscribe_form()
    form.form_errors.append(_("We have had several requests for alerts from here or for this address in a short "
                              "time, so we cannot take another one just now. Try again later."))
    return make_response(render_template("advisories/subscribe.html", form=form), 429)


@bp.route("/subscribe", methods=["GET", "POST"])
@policy.public
@limiter.limit(SUBSCRIBE_PER_ADDRESS, methods=["POST"], on_breach=_too_many_subscriptions)
@limiter.limit(SUBSCRIBE_PER_EMAIL, methods=["POST"], key_func=_subscription_email_key,
               on_breach=_too_many_subscriptions)
def subscribe():
    form = _subscribe_form()
    if form.validate_on_submit():
        try:
            alerts.subscribe(db.session, email=form.email.data, country_code=form.country_code.data or None,
                             locale=str(get_locale()))
        except Refused as error:
            refuse(error, form)
        else:
            return render_template("advisories/subscribe_sent.html", email=form.email.data)
    return render_template("advisories/subscribe.html", form=form)


@bp.route("/subscribe/confirm/<token>")
@policy.public
def confirm_subscription(token):
    subscription = alerts.confirm(db.session, token)
    if subscription is None:
        again = (url_for("advisories.subscribe"), _("Subscribe again"))
        return render_template("accounts/link_invalid.html", again=again), 400
    flash(_("You will now get an email when the advice changes."), "success")
    target = subscription.country_code
    return redirect(url_for("advisories.country", code=target) if target else url_for("advisories.index"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@policy.public
@csrf.exempt  # one-click unsubscribe (RFC 8058) is a POST from the mail program, with no form token
def unsubscribe(token):
    form = UnsubscribeForm(meta={"csrf": False})
    if request.method == "POST":
        subscription = alerts.unsubscribe(db.session, token, reason=form.reason.data or "")
        if subscription is None:
            abort(404)
        return render_template("advisories/unsubscribed.html")
    if alerts.find_subscription(db.session, token) is None:
        abort(404)
    return render_template("advisories/unsubscribe.html", form=form)


bp.add_app_template_global(kept_content, "kept_content")


@bp.app_context_processor
def indicator_context():
    return {"all_indicators": list(Indicator)}

