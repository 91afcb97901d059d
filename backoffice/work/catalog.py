"""Service type templates the provider can add to its catalogue in one step."""

from __future__ import annotations

from typing import Any

CAPTURE_REVIEW_DONE = [
    {"step": "capture", "role": "agent"},
    {"step": "review", "role": "qa_reviewer"},
    {"step": "done", "role": "team_lead"},
]
CAPTURE_DONE = [{"step": "capture", "role": "agent"}, {"step": "done", "role": "team_lead"}]

_money = {"type": "number", "minimum": 0}
_line = {
    "type": "object",
    "properties": {
        "description": {"type": "string", "minLength": 1},
        "quantity": {"type": "number", "minimum": 0},
        "unit_price": _money,
    },
    "required": ["description", "quantity", "unit_price"],
}

TEMPLATES: dict[str, dict[str, Any]] = {
    "invoice-capture": {
        "name": "Invoice / document data capture",
        "description": "Key supplier invoices and similar documents into structured data.",
        "instructions": "Open the attached scan. Key every field exactly as printed; dates as "
        "YYYY-MM-DD. Ask the client when the document is unreadable.",
        "input_schema": {
            "type": "object",
            "properties": {
                "document_url": {"type": "string", "title": "Document link"},
                "supplier": {"type": "string", "title": "Supplier (if known)"},
                "pages": {"type": "integer", "minimum": 1, "title": "Pages"},
            },
            "required": ["pages"],
        },
        "output_schema": {
            "type": "object",
            "properties": {
                "invoice_number": {"type": "string", "minLength": 1, "title": "Invoice number"},
                "invoice_date": {"type": "string", "format": "date", "title": "Invoice date"},
                "supplier": {"type": "string", "minLength": 1, "title": "Supplier"},
                "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"], "title": "Currency"},
                "total": {**_money, "title": "Total"},
                "lines": {"type": "array", "items": _line, "title": "Lines"},
            },
            "required": ["invoice_number", "invoice_date", "supplier", "currency", "total"],
        },
        "workflow": CAPTURE_REVIEW_DONE,
        "default_sla_minutes": 8 * 60,
        "qa_sample_percent": 10,
        "billing_unit": "page",
    },
    "claim-intake": {
        "name": "Insurance claim intake and adjudication",
        "description": "Register first notice of loss and adjudicate simple claims.",
        "instructions": "Check the policy is active on the loss date, then decide. Amounts "
        "above the authority limit go to review.",
        "input_schema": {
            "type": "object",
            "properties": {
                # Confidential (vault): sealed at rest, masked for all but the holder.
                "policy_number": {
                    "type": "string",
                    "pattern": "^[A-Z]{2}-[0-9]{6}$",
                    "x-sensitive": "pii",
                    "x-search": True,
                },
                "claimant": {
                    "type": "string",
                    "minLength": 1,
                    "x-sensitive": "pii",
                    "x-search": True,
                },
                "bank_account": {
                    "type": "string",
                    "title": "Bank account (IBAN)",
                    "x-sensitive": "payment",
                },
                "loss_date": {"type": "string", "format": "date"},
                "claimed_amount": _money,
                "line_of_business": {"type": "string", "enum": ["auto", "home", "health"]},
            },
            "required": ["policy_number", "claimant", "loss_date", "claimed_amount"],
        },
        "output_schema": {
            "type": "object",
            "properties": {
                "decision": {"type": "string", "enum": ["approve", "deny", "refer"]},
                "approved_amount": _money,
                "reason": {"type": "string"},
            },
            "required": ["decision"],
        },
        "workflow": [
            {"step": "intake", "role": "agent"},
            {"step": "adjudicate", "role": "agent"},
            {"step": "review", "role": "qa_reviewer"},
            {"step": "done", "role": "team_lead"},
        ],
        "default_sla_minutes": 16 * 60,
        "qa_sample_percent": 20,
        "billing_unit": "item",
    },
    "medical-transcription": {
        "name": "Medical transcription",
        "description": "Transcribe dictated clinical notes.",
        "instructions": "Transcribe verbatim; mark inaudible passages [inaudible hh:mm:ss].",
        "input_schema": {
            "type": "object",
            "properties": {
                "audio_url": {"type": "string"},
                "audio_minutes": {"type": "number", "exclusiveMinimum": 0},
                "clinician": {"type": "string"},
                "specialty": {"type": "string"},
            },
            "required": ["audio_minutes"],
        },
        "output_schema": {
            "type": "object",
            "properties": {"transcript": {"type": "string", "minLength": 1}},
            "required": ["transcript"],
        },
        "workflow": CAPTURE_REVIEW_DONE,
        "default_sla_minutes": 24 * 60,
        "qa_sample_percent": 15,
        "billing_unit": "audio_minute",
    },
    "order-processing": {
        "name": "Order processing",
        "description": "Enter customer orders received by mail, fax or e-mail.",
        "instructions": "Match the customer, enter every line, confirm stock availability.",
        "input_schema": {
            "type": "object",
            "properties": {
                "customer": {"type": "string", "minLength": 1},
                "order_date": {"type": "string", "format": "date"},
                "lines": {"type": "array", "items": _line, "minItems": 1},
                "urgent": {"type": "boolean"},
            },
            "required": ["customer", "lines"],
        },
        "output_schema": {
            "type": "object",
            "properties": {
                "order_number": {"type": "string", "minLength": 1},
                "confirmed": {"type": "boolean"},
            },
            "required": ["order_number", "confirmed"],
        },
        "workflow": CAPTURE_DONE,
        "default_sla_minutes": 4 * 60,
        "qa_sample_percent": 5,
        "billing_unit": "line",
    },
    "list-cleanup": {
        "name": "Mailing-list cleanup",
        "description": "Normalise, deduplicate and verify contact records.",
        "instructions": "Fix capitalisation, verify the postcode, flag duplicates.",
        "input_schema": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "email": {"type": "string", "format": "email"},
                "postcode": {"type": "string"},
                "country": {"type": "string", "minLength": 2, "maxLength": 2},
            },
            "required": ["name"],
        },
        "output_schema": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "email": {"type": "string", "format": "email"},
                "duplicate_of": {"type": "string"},
                "valid": {"type": "boolean"},
            },
            "required": ["valid"],
        },
        "workflow": CAPTURE_DONE,
        "default_sla_minutes": 24 * 60,
        "qa_sample_percent": 2,
        "billing_unit": "item",
    },
    "research-request": {
        "name": "Research request",
        "description": "Desk research answered with sources.",
        "instructions": "Answer the question with at least two sources; log your time.",
        "input_schema": {
            "type": "object",
            "properties": {
                "question": {"type": "string", "minLength": 10},
                "deadline": {"type": "string", "format": "date"},
            },
            "required": ["question"],
        },
        "output_schema": {
            "type": "object",
            "properties": {
                "answer": {"type": "string", "minLength": 1},
                "sources": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "hours_spent": {"type": "number", "minimum": 0},
            },
            "required": ["answer", "sources"],
        },
        "workflow": CAPTURE_REVIEW_DONE,
        "default_sla_minutes": 40 * 60,
        "qa_sample_percent": 25,
        "billing_unit": "hour",
    },
}
