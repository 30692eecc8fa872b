"""The fees feature's forms: a festival's fee rules, and a payment or refund recorded by an organizer."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from mfo.fees.labels import METHOD_LABELS, PAYMENT_KIND_LABELS, REFUND_POLICY_LABELS, REGISTRATION_PER_LABELS
from mfo.festival.forms import MoneyField

# The largest amounts the columns hold: Numeric(8, 2) for a rule's fee, Numeric(10, 2) for a payment.
RULE_FEE_MAX = Decimal("999999.99")
PAYMENT_MAX = Decimal("99999999.99")
REFERENCE_MAX = 100
# A percentage as typed: up to 100, at most two decimals, a point or a comma (12.5, 12,5).
_PERCENT = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?")
EARLIEST_PAYMENT = date(2000, 1, 1)


def _strip(value):
    """Strip the spaces around a text value (None stays None)."""
    return value.strip() if isinstance(value, str) else value


class PercentField(Field):
    """A percentage from 0 to 100 with at most two decimals, kept as a Decimal; blank is None."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data.normalize():f}" if self.data is not None else ""

    def process_formdata(self, valuelist) -> None:
        """Read the typed percentage (a short, plain number: no exponent, NaN or sign gets through)."""
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().removesuffix("%").strip()
        if not text:
            return
        if len(text) > 7 or not _PERCENT.fullmatch(text):
            raise ValueError(_("Not a percentage: write a number from 0 to 100, e.g. 10 or 12.5."))
        self.data = Decimal(text.replace(",", "."))
        if self.data > 100:
            raise ValueError(_("Not a percentage: write a number from 0 to 100, e.g. 10 or 12.5."))


class RulesForm(FlaskForm):
    """A festival's fee rules beyond each class's fee (docs/fees.md says what each one does)."""

    registration_fee = MoneyField(
        _l("Registration fee"), validators=[Optional(), NumberRange(min=0, max=RULE_FEE_MAX)],
        description=_l("Charged once per festival, per performer or per family. Empty or 0: none."),
    )
    registration_per = SelectField(_l("Registration fee charged"), choices=list(REGISTRATION_PER_LABELS.items()), default="performer")
    family_discount_from = IntegerField(
        _l("Family discount from the performer number"), validators=[Optional(), NumberRange(min=2, max=20)],
        description=_l("E.g. 3: a family's third performer and every one after get the discount on their entry fees. Empty: no discount."),
    )
    family_discount_percent = PercentField(_l("Family discount (%)"))
    late_after = DateField(
        _l("Late after"), validators=[Optional()],
        description=_l("Each entry submitted after this day costs the late fee more. Empty: no late fee."),
    )
    late_fee = MoneyField(_l("Late fee per entry"), validators=[Optional(), NumberRange(min=0, max=RULE_FEE_MAX)])
    refund_policy = SelectField(_l("Refund on withdrawal"), choices=list(REFUND_POLICY_LABELS.items()), default="full")
    refund_percent = PercentField(
        _l("Refund (%)"), description=_l("With the policy “a percentage”: how much of the entry fee is given back.")
    )
    refund_before = DateField(
        _l("Refunds until the day before"), validators=[Optional()],
        description=_l("A withdrawal on this day or later gets nothing back, whatever the policy. Empty: no limit."),
    )
    submit = SubmitField(_l("Save the rules"))

    def validate(self, extra_validators=None) -> bool:
        """Check each field, then the rules that need two of them (a blank field skips its own inline validators)."""
        valid = super().validate(extra_validators)
        discount_from, discount = self.family_discount_from, self.family_discount_percent
        if not discount_from.errors and not discount.errors:
            if discount_from.data is not None and not discount.data:
                discount.errors.append(_("Give the discount's percentage, or leave the performer number empty."))
            elif discount.data and discount_from.data is None:
                discount_from.errors.append(_("Give the performer number the discount starts from, or leave the percentage empty."))
        late_after, late_fee = self.late_after, self.late_fee
        if not late_after.errors and not late_fee.errors:
            if late_after.data is not None and not late_fee.data:
                late_fee.errors.append(_("Give the late fee, or leave the date empty."))
            elif late_fee.data and late_after.data is None:
                late_after.errors.append(_("Give the date after which entries are late, or leave the fee empty."))
        if self.refund_policy.data == "percent" and self.refund_percent.data is None and not self.refund_percent.errors:
            self.refund_percent.errors.append(_("Give the percentage of the entry fee given back."))
        return valid and not any(field.errors for field in self)

    def values(self) -> dict:
        """Return the rules as the FeeRules columns hold them (blanks as zero or None)."""
        zero = Decimal("0.00")
        percent = self.refund_percent.data if self.refund_policy.data == "percent" else None
        return {
            "registration_fee": self.registration_fee.data or zero,
            "registration_per": self.registration_per.data,
            "family_discount_from": self.family_discount_from.data,
            "family_discount_percent": self.family_discount_percent.data or zero,
            "late_after": self.late_after.data,
            "late_fee": self.late_fee.data or zero,
            "refund_policy": self.refund_policy.data,
            "refund_percent": percent or zero,
            "refund_before": self.refund_before.data,
        }


class PaymentForm(FlaskForm):
    """Money received on an invoice (a payment) or paid back (a refund), as an organizer records it."""

    kind = SelectField(_l("Kind"), choices=list(PAYMENT_KIND_LABELS.items()), default="payment")
    method = SelectField(_l("Payment method"), choices=[(key, label) for key, label in METHOD_LABELS.items() if key != "card-online"])
    amount = MoneyField(_l("Amount"), validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=PAYMENT_MAX)])
    received_on = DateField(_l("Date"), validators=[InputRequired()], default=date.today)
    reference = StringField(
        _l("Reference"), validators=[Optional(), Length(max=REFERENCE_MAX)], filters=[_strip],
        description=_l("A cheque number, a transfer's reference: what finds the payment on a bank statement."),
    )
    submit = SubmitField(_l("Record"))

    def validate_received_on(self, field) -> None:
        """Refuse a date in the future or long past (a typing slip)."""
        if field.data is not None and not (EARLIEST_PAYMENT <= field.data <= date.today() + timedelta(days=1)):
            raise ValidationError(_("Give the day the money was received or paid back (not in the future)."))
