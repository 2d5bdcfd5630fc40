"""Forms of the centres register: the list's filters, the centre form and the CSV import."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    URLField,
)

from ...labels import LABEL_STATUS_WORDS
from ...models import FEDERAL_STATES, Centre
from ...services.centres import FIELDS, NAME_FIELDS, SORTS, LabelStatus, stored_values
from ...services.inputs import LIMITS
from ..forms import ServiceForm

LABEL_STATUS_CHOICES = [(status.value, words.long) for status, words in LABEL_STATUS_WORDS.items()]


def _state_choices(empty_label) -> list[tuple[str, Any]]:
    by_name = sorted(FEDERAL_STATES.items(), key=lambda item: item[1])
    return [("", empty_label), *by_name]


class CentreFilterForm(Form):
    """The list's search and filters, read from the query string (GET, no CSRF token)."""

    q = SearchField(_l("Search name or city"), render_kw={"maxlength": LIMITS["search.q"]})
    state = SelectField(_l("Federal state"), validate_choice=False)
    label = SelectField(_l("Label status"), validate_choice=False)
    inactive = BooleanField(_l("Include inactive centres"))

    def __init__(self, formdata=None, **kw):
        super().__init__(formdata, **kw)
        self.state.choices = _state_choices(_l("all federal states"))
        self.label.choices = [("", _l("any label status")), *LABEL_STATUS_CHOICES]


@dataclass(frozen=True)
class CentreFilters:
    """The register's query (search, filters, sort), normalised: unknown values are dropped."""

    q: str = ""
    state: str = ""
    label: str = ""
    sort: str = "name"
    inactive: bool = False

    @classmethod
    def from_args(cls, args) -> CentreFilters:
        sort = args.get("sort", "name")
        return cls(
            q=" ".join(args.get("q", "").split())[:LIMITS["search.q"]],
            state=args.get("state", "") if args.get("state") in FEDERAL_STATES else "",
            label=args.get("label", "") if args.get("label") in set(LabelStatus) else "",
            sort=sort if sort.lstrip("-") in SORTS else "name",
            inactive=args.get("inactive") in ("1", "y", "on", "true"),
        )

    def service_kwargs(self) -> dict[str, Any]:
        """The arguments of ``search_centres`` / ``centres_for_export``."""
        return {"q": self.q, "state": self.state or None, "label_status": self.label or None,
                "sort": self.sort, "include_inactive": self.inactive}

    def args(self, **changes) -> dict[str, Any]:
        """Query-string arguments for links, without the defaults (readable URLs)."""
        current = replace(self, **changes)
        out = {"q": current.q, "state": current.state, "label": current.label,
               "sort": "" if current.sort == "name" else current.sort,
               "inactive": "1" if current.inactive else ""}
        return {k: v for k, v in out.items() if v}

    @property
    def active(self) -> bool:
        """Whether any search or filter narrows the list."""
        return bool(self.q or self.state or self.label)

    def sort_link(self, key: str) -> dict[str, Any]:
        """Arguments for a column header: sort by ``key``, or reverse when already sorted by it."""
        return self.args(sort=f"-{key}" if self.sort == key else key)

    def aria_sort(self, key: str) -> str | None:
        if self.sort == key:
            return "ascending"
        if self.sort == f"-{key}":
            return "descending"
        return None


class CentreForm(ServiceForm):
    """Create or edit a centre. Text fields keep exactly what was typed; the service checks it
    (:func:`audit_app.services.centres.clean_centre_data`) and its errors are shown here."""

    limits = {**{key: f"centre.{key}" for key in (
        "name", "operating_company", "street", "postcode", "city", "website", "contact_name",
        "contact_email", "contact_phone")},
        **{key: "centre.number" for key in ("founded_year", "member_since", "space_m2",
                                            "tenant_count", "occupancy_percent", "staff_count")}}
    names = frozenset(NAME_FIELDS)

    name = StringField(_l("Name"), render_kw={"maxlength": LIMITS["centre.name"], "required": True,
                                              "autocomplete": "organization"})
    operating_company = StringField(_l("Operating company"), render_kw={"maxlength": LIMITS["centre.operating_company"]})
    street = StringField(_l("Street and number"), render_kw={"maxlength": LIMITS["centre.street"],
                                                             "autocomplete": "street-address"})
    postcode = StringField(_l("Postcode"), render_kw={"maxlength": LIMITS["centre.postcode"], "inputmode": "numeric",
                                                      "autocomplete": "postal-code"})
    city = StringField(_l("City"), render_kw={"maxlength": LIMITS["centre.city"], "required": True})
    federal_state = SelectField(_l("Federal state"), validate_choice=False,
                                render_kw={"required": True})
    founded_year = StringField(_l("Founded (year)"), description=_l("e.g. 1986"),
                               render_kw={"inputmode": "numeric", "maxlength": 4})
    member_since = StringField(_l("Member since"), render_kw={"type": "date"})
    space_m2 = StringField(_l("Space (m²)"), description=_l("0 to 1,000,000"),
                           render_kw={"inputmode": "numeric"})
    tenant_count = StringField(_l("Tenants"), render_kw={"inputmode": "numeric"})
    occupancy_percent = StringField(_l("Occupancy (%)"), description=_l("e.g. 87.5 (one decimal)"),
                                    render_kw={"inputmode": "decimal"})
    staff_count = StringField(_l("Staff"), render_kw={"inputmode": "numeric"})
    website = URLField(_l("Website"), description=_l("starting with https:// or http://"),
                       render_kw={"maxlength": LIMITS["centre.website"], "autocomplete": "url"})
    contact_name = StringField(_l("Contact person"), render_kw={"maxlength": LIMITS["centre.contact_name"]})
    contact_email = EmailField(_l("Contact e-mail"), render_kw={"maxlength": LIMITS["centre.contact_email"],
                                                                "autocomplete": "email"})
    contact_phone = TelField(_l("Contact phone"), render_kw={"maxlength": LIMITS["centre.contact_phone"],
                                                             "autocomplete": "tel"})
    active = BooleanField(_l("Active member centre"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.federal_state.choices = _state_choices(_l("– please choose –"))

    @staticmethod
    def values_of(centre: Centre) -> dict[str, Any]:
        """The centre's stored values as the form shows them (decimal comma in German)."""
        values = stored_values(centre)
        for key in ("founded_year", "space_m2", "tenant_count", "staff_count"):
            values[key] = "" if values[key] is None else str(values[key])
        if centre.occupancy_percent is not None:
            values["occupancy_percent"] = format_decimal(centre.occupancy_percent, format="0.#")
        values["member_since"] = centre.member_since.isoformat() if centre.member_since else ""
        return values

    def centre_data(self) -> dict[str, Any]:
        """The submitted values for the service, by field name."""
        return {key: self[key].data for key in FIELDS}

    def add_errors(self, errors: dict[str, str]) -> None:
        """Show the service's messages next to their fields."""
        for key, message in errors.items():
            if key in self:
                self[key].errors = [*self[key].errors, message]


class ImportUploadForm(ServiceForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Please choose a file.")),
                    FileAllowed(["csv"], _l("Please choose a CSV file (.csv)."))],
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField(_l("Check file"))


class ImportConfirmForm(ServiceForm):
    """Carries the sealed file text (signed with the secret key) from the preview to the import."""

    limits = {"sealed": "import.sealed"}

    sealed = HiddenField()
    submit = SubmitField(_l("Import now"))
