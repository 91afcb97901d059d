"""UBL 2.1 export (Peppol BIS Billing 3.0 shape) of issued invoices and credit notes.

Built with the standard library's ElementTree, in the element order the UBL schema
requires. Peppol allows one VAT category per line, so a line carrying several taxes cannot
be exported. The tests validate the output against the official OASIS UBL 2.1 XSDs.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from xml.etree import ElementTree as ET

from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import DocKind, Document, DocumentLine, LineTax, Party
from backoffice.commerce.services.document_posting import document_taxes
from backoffice.core.errors import DomainError
from backoffice.ledger.money import exponent
from backoffice.tenancy.models import Organization

NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
UNIT_CODES = {"pcs": "H87", "h": "HUR", "hour": "HUR", "kg": "KGM", "m": "MTR", "l": "LTR"}

for _prefix, _uri in NS.items():
    if _prefix in ("cac", "cbc"):
        ET.register_namespace(_prefix, _uri)


def _cac(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{NS['cac']}}}{tag}")


def _cbc(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{NS['cbc']}}}{tag}", attrs)
    el.text = text
    return el


def _amount(minor: int, currency: str) -> str:
    exp = exponent(currency)
    return f"{Decimal(minor).scaleb(-exp):.{exp}f}"


def _party(
    parent: ET.Element,
    *,
    name: str,
    country: str,
    tax_id: str = "",
    street: str = "",
    city: str = "",
    postal: str = "",
) -> None:
    party = _cac(parent, "Party")
    _cbc(_cac(party, "PartyName"), "Name", name)
    address = _cac(party, "PostalAddress")
    if street:
        _cbc(address, "StreetName", street)
    if city:
        _cbc(address, "CityName", city)
    if postal:
        _cbc(address, "PostalZone", postal)
    _cbc(_cac(address, "Country"), "IdentificationCode", country or "ZZ")
    if tax_id:
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", tax_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    _cbc(_cac(party, "PartyLegalEntity"), "RegistrationName", name)


def _category(parent: ET.Element, tag: str, percent: Decimal) -> None:
    cat = _cac(parent, tag)
    _cbc(cat, "ID", "S" if percent > 0 else "Z")
    _cbc(cat, "Percent", f"{percent.normalize():f}")
    _cbc(_cac(cat, "TaxScheme"), "ID", "VAT")


def export(tenant: Organization, doc: Document) -> bytes:
    """The document as UBL 2.1 XML bytes (UTF-8, with declaration)."""
    if doc.kind not in (DocKind.INVOICE, DocKind.CREDIT_NOTE) or not doc.is_issued:
        raise DomainError(
            "Only issued invoices and credit notes have a UBL form.",
            code=ErrorCode.NOT_EXPORTABLE,
            fields={"kind": [doc.kind], "status": [doc.status]},
        )
    root_name = "Invoice" if doc.kind == DocKind.INVOICE else "CreditNote"
    ET.register_namespace("", NS[root_name])
    root = ET.Element(f"{{{NS[root_name]}}}{root_name}")
    cur = doc.currency
    lines = list(doc.lines.select_related("product").order_by("line_no"))
    rates: dict[int, Decimal] = {}
    for lt in (
        LineTax.objects.for_tenant(tenant).filter(line__document=doc).select_related("tax_rate")
    ):
        if lt.line_id in rates:
            raise DomainError(
                "UBL/Peppol allows one VAT rate per line.",
                code=ErrorCode.NOT_EXPORTABLE,
                fields={"lines": ["a line carries several taxes"]},
            )
        rates[lt.line_id] = lt.tax_rate.rate
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", doc.number)
    _cbc(root, "IssueDate", doc.date.isoformat())
    if doc.kind == DocKind.INVOICE:
        if doc.due_date:
            _cbc(root, "DueDate", doc.due_date.isoformat())
        _cbc(root, "InvoiceTypeCode", "380")
    else:
        _cbc(root, "CreditNoteTypeCode", "381")
    if doc.notes:
        _cbc(root, "Note", doc.notes[:1000])
    _cbc(root, "DocumentCurrencyCode", cur)
    _cbc(root, "BuyerReference", doc.reference or doc.number)
    if doc.kind == DocKind.CREDIT_NOTE and doc.source is not None:
        ref = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(ref, "ID", doc.source.number)
    _party(_cac(root, "AccountingSupplierParty"), name=tenant.name, country=tenant.country)
    p: Party = doc.party
    _party(
        _cac(root, "AccountingCustomerParty"),
        name=p.name,
        country=p.country,
        tax_id=p.tax_id,
        street=p.address_line1,
        city=p.city,
        postal=p.postal_code,
    )
    taxable: dict[Decimal, int] = defaultdict(int)
    for line in lines:
        taxable[rates.get(line.pk, Decimal(0))] += line.net
    tax_by_rate: dict[Decimal, int] = defaultdict(int)
    for tax, amount in document_taxes(tenant, doc, lines):
        tax_by_rate[tax.rate] += amount
    total = _cac(root, "TaxTotal")
    _cbc(total, "TaxAmount", _amount(doc.tax, cur), currencyID=cur)
    for rate in sorted(taxable):
        sub = _cac(total, "TaxSubtotal")
        _cbc(sub, "TaxableAmount", _amount(taxable[rate], cur), currencyID=cur)
        _cbc(sub, "TaxAmount", _amount(tax_by_rate.get(rate, 0), cur), currencyID=cur)
        _category(sub, "TaxCategory", rate)
    money = _cac(root, "LegalMonetaryTotal")
    line_sum = sum(ln.net for ln in lines)
    _cbc(money, "LineExtensionAmount", _amount(line_sum, cur), currencyID=cur)
    _cbc(money, "TaxExclusiveAmount", _amount(line_sum, cur), currencyID=cur)
    _cbc(money, "TaxInclusiveAmount", _amount(line_sum + doc.tax, cur), currencyID=cur)
    rounding = doc.gross - (line_sum + doc.tax)
    if rounding:
        _cbc(money, "PayableRoundingAmount", _amount(rounding, cur), currencyID=cur)
    _cbc(money, "PayableAmount", _amount(doc.gross, cur), currencyID=cur)
    for line in lines:
        _line(root, root_name, line, rates.get(line.pk, Decimal(0)), cur)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def _line(root: ET.Element, root_name: str, line: DocumentLine, rate: Decimal, cur: str) -> None:
    tag, qty_tag = (
        ("InvoiceLine", "InvoicedQuantity")
        if root_name == "Invoice"
        else ("CreditNoteLine", "CreditedQuantity")
    )
    el = _cac(root, tag)
    _cbc(el, "ID", str(line.line_no))
    unit = line.product.unit if line.product else ""
    _cbc(el, qty_tag, f"{line.quantity.normalize():f}", unitCode=UNIT_CODES.get(unit, "C62"))
    _cbc(el, "LineExtensionAmount", _amount(line.net, cur), currencyID=cur)
    item = _cac(el, "Item")
    _cbc(
        item,
        "Name",
        (line.description or (line.product.name if line.product else ""))[:200] or "Item",
    )
    if line.product is not None:
        _cbc(_cac(item, "SellersItemIdentification"), "ID", line.product.sku)
    _category(item, "ClassifiedTaxCategory", rate)
    price = _cac(el, "Price")
    exp = exponent(cur)
    unit_net = (Decimal(line.net) / line.quantity).scaleb(-exp).quantize(Decimal("0.0001"))
    _cbc(price, "PriceAmount", f"{unit_net.normalize():f}", currencyID=cur)
