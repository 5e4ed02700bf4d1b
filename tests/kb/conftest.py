"""A 15th error for the knowledge base's tests: made up, and marked as test data throughout."""

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.kb.source import ErrorEntry, read_source

TEST_ERROR_ID = "test-contact-reference-too-long"
TEST_ERROR_MESSAGE = "The contact reference exceeds the syncdesk test limit"

# Not a real Xero error: syncdesk's tests add it to a copy of data/kb, never to data/kb itself.
_TEST_ERROR = f"""\
# TEST DATA: a made-up error (not a Xero one), to show that a new error is one new file.
id: {TEST_ERROR_ID}
number: {{number}}
title: (Test data) The customer's contact reference is too long for Xero
short_title: Contact reference too long (test data)
record_type: customer-account
message: "Invoice: [invoice number] - {TEST_ERROR_MESSAGE}"
prefix: "Invoice: {{{{invoice_number}}}} -"
phrases:
  - "{TEST_ERROR_MESSAGE}"
explanation:
  - Invoice {{{{invoice_number}}}} is for a contact whose reference is over the test limit.
  - The invoice is for a contact whose reference is over the test limit.
cause: The contact's reference is longer than the test limit allows.
side:
  party: your-data
  text: The contact's reference in Joblogic is over the test limit.
if_ignored: The invoice stays out of the test system.
steps:
  - actor: customer-joblogic
    where: Joblogic › Customers
    text: Shorten the contact's reference, then run the sync again.
support: never
examples:
  - the contact reference is over the syncdesk test limit
  - our customer reference is too long for the test limit apparently
  - text: invoice [INV-0042](invoice_number) failed, contact ref over the test limit
"""


@pytest.fixture
def add_test_error() -> Callable[[Path], ErrorEntry]:
    """Return a function that adds the made-up error to a copy of data/kb and returns it."""

    def add(kb_directory: Path) -> ErrorEntry:
        number = max(e.number for e in read_source(kb_directory).errors) + 1
        path = kb_directory / "errors" / f"{TEST_ERROR_ID}.yml"
        path.write_text(_TEST_ERROR.format(number=number), encoding="utf-8")
        return read_source(kb_directory).error(TEST_ERROR_ID)

    return add
