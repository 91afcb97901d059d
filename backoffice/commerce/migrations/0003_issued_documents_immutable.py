"""PostgreSQL guard: an issued document, its lines and line taxes never change.

Only the settled amounts of an issued document may move (payments, credit notes); drafts
are free. Whatever writes (ORM, psql), an edit of an issued document raises.
"""

from django.db import migrations

from backoffice.core.operations import PostgresOnlySQL

SQL = """
CREATE OR REPLACE FUNCTION commerce_document_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'commerce: % % is issued and cannot be deleted', OLD.kind, OLD.number
        USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND (
      NEW.tenant_id, NEW.kind, NEW.status, NEW.series, NEW.number, NEW.party_id, NEW.date,
      NEW.due_date, NEW.currency, NEW.rate, NEW.location_id, NEW.source_id, NEW.reference,
      NEW.prices_include_tax, NEW.tax_rounding, NEW.net, NEW.tax, NEW.gross,
      NEW.gross_functional, NEW.journal_entry_id, NEW.issued_at
    ) IS DISTINCT FROM (
      OLD.tenant_id, OLD.kind, OLD.status, OLD.series, OLD.number, OLD.party_id, OLD.date,
      OLD.due_date, OLD.currency, OLD.rate, OLD.location_id, OLD.source_id, OLD.reference,
      OLD.prices_include_tax, OLD.tax_rounding, OLD.net, OLD.tax, OLD.gross,
      OLD.gross_functional, OLD.journal_entry_id, OLD.issued_at
    ) THEN
    RAISE EXCEPTION 'commerce: % % is issued and immutable; issue a credit note', OLD.kind,
      OLD.number USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER commerce_document_immutable BEFORE UPDATE OR DELETE ON commerce_document
  FOR EACH ROW EXECUTE FUNCTION commerce_document_guard();

CREATE OR REPLACE FUNCTION commerce_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  doc_id bigint;
BEGIN
  IF TG_TABLE_NAME = 'commerce_linetax' THEN
    SELECT document_id INTO doc_id FROM commerce_documentline
      WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.line_id ELSE NEW.line_id END;
  ELSE
    doc_id := CASE WHEN TG_OP = 'DELETE' THEN OLD.document_id ELSE NEW.document_id END;
  END IF;
  IF EXISTS (SELECT 1 FROM commerce_document WHERE id = doc_id AND status <> 'draft') THEN
    RAISE EXCEPTION 'commerce: lines of issued document % are immutable', doc_id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER commerce_documentline_immutable BEFORE INSERT OR UPDATE OR DELETE
  ON commerce_documentline FOR EACH ROW EXECUTE FUNCTION commerce_line_guard();
CREATE TRIGGER commerce_linetax_immutable BEFORE INSERT OR UPDATE OR DELETE
  ON commerce_linetax FOR EACH ROW EXECUTE FUNCTION commerce_line_guard();
"""

REVERSE = """
DROP TRIGGER IF EXISTS commerce_linetax_immutable ON commerce_linetax;
DROP TRIGGER IF EXISTS commerce_documentline_immutable ON commerce_documentline;
DROP TRIGGER IF EXISTS commerce_document_immutable ON commerce_document;
DROP FUNCTION IF EXISTS commerce_line_guard();
DROP FUNCTION IF EXISTS commerce_document_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("commerce", "0002_rls")]

    operations = [PostgresOnlySQL(SQL, REVERSE)]
