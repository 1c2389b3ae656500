"""The Map state's sub-objects: ItemReader, ItemBatcher, ResultWriter, ProcessorConfig and Label.

Their fields follow the AWS Step Functions developer guide ("ItemReader (Map)", "ItemBatcher
(Map)", "ResultWriter (Map)", and "Using Map state in Distributed mode" for ProcessorConfig and
Label); the enumerations are the ones the Map runtime implements (`interpreter.map.reader`,
`interpreter.map.writer`). No message was recorded for these objects: their wording follows the
state messages, except where a comment says "measured" (measured against AWS's
ValidateStateMachineDefinition); "not recorded" marks our own wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from interpreter.jsontypes import JSON
from interpreter.map.reader import (
    ACTIONS,
    CSV_DELIMITERS,
    CSV_HEADER_LOCATIONS,
    INPUT_TYPES,
    MANIFEST_TYPES,
    MAX_ITEMS_LIMIT,
    TRANSFORMATIONS,
)
from interpreter.map.writer import OUTPUT_TYPES, WRITER_TRANSFORMATIONS
from interpreter.schema.messages import (
    CANNOT_BE_EMPTY,
    EXPECTED,
    EXPECTED_ARRAY,
    fail,
    idx,
    one_of,
    ptr,
    required,
    unsupported,
)
from interpreter.schema.tables import (
    JSONATA_ANY,
    JSONPATH_STRING,
    OBJECT,
    SPECIAL,
    STRING,
    Exclusive,
    FieldSpec,
    Kind,
    Lang,
    integer,
)
from interpreter.schema.values import check_enums, check_exclusive, check_fields

_PARAMETERS_OBJECT: Final = FieldSpec(Kind.OBJECT, Lang.JSONPATH)
_ITEM_READER_FIELDS: Final[dict[str, FieldSpec]] = {
    "Resource": STRING,
    "ReaderConfig": OBJECT,
    "Parameters": _PARAMETERS_OBJECT,
    "Arguments": JSONATA_ANY,
}
_READER_CONFIG_FIELDS: Final[dict[str, FieldSpec]] = {
    "InputType": STRING,
    "CSVHeaderLocation": STRING,
    "CSVHeaders": SPECIAL,
    "CSVDelimiter": STRING,
    # "ItemReader (Map)", ReaderConfig: MaxItems is "up to 100,000,000". A negative or fractional
    # MaxItems is refused with the definition (a LocalStack test validated against AWS).
    "MaxItems": FieldSpec(Kind.INTEGER, Lang.BOTH, 0, MAX_ITEMS_LIMIT),
    "MaxItemsPath": JSONPATH_STRING,
    "ItemsPointer": STRING,
    "ManifestType": STRING,
    "Transformation": STRING,
}
_READER_ENUMS: Final[dict[str, tuple[str, ...]]] = {
    "InputType": INPUT_TYPES,
    "CSVHeaderLocation": CSV_HEADER_LOCATIONS,
    "CSVDelimiter": tuple(CSV_DELIMITERS),
    "ManifestType": MANIFEST_TYPES,
    "Transformation": TRANSFORMATIONS,
}
_ITEM_BATCHER_FIELDS: Final[dict[str, FieldSpec]] = {
    "BatchInput": FieldSpec(Kind.SELECTOR),
    # The Amazon States Language specification: MaxItemsPerBatch "MUST be a positive integer";
    # "ItemBatcher (Map)": MaxInputBytesPerBatch is up to 256 KiB.
    "MaxItemsPerBatch": integer(1, None),
    "MaxItemsPerBatchPath": JSONPATH_STRING,
    "MaxInputBytesPerBatch": integer(1, 262_144),
    "MaxInputBytesPerBatchPath": JSONPATH_STRING,
}
_BATCH_LIMITS: Final = (
    "MaxItemsPerBatch",
    "MaxItemsPerBatchPath",
    "MaxInputBytesPerBatch",
    "MaxInputBytesPerBatchPath",
)
_RESULT_WRITER_FIELDS: Final[dict[str, FieldSpec]] = {
    "Resource": STRING,
    "WriterConfig": OBJECT,
    "Parameters": _PARAMETERS_OBJECT,
    "Arguments": JSONATA_ANY,
}
_WRITER_CONFIG_FIELDS: Final[dict[str, FieldSpec]] = {"OutputType": STRING, "Transformation": STRING}
_WRITER_ENUMS: Final[dict[str, tuple[str, ...]]] = {
    "OutputType": OUTPUT_TYPES,
    "Transformation": WRITER_TRANSFORMATIONS,
}
_S3_ARN: Final = "arn:aws:states:::s3:"
_LABEL: Final = re.compile(r'[^\s<>{}\[\]?*"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,40}')
_BAD_POINTER_ESCAPE: Final = re.compile(r"~(?![01])")


def check_processor_config(config: JSON, pointer: str) -> None:
    """ItemProcessor's ProcessorConfig: Mode, and ExecutionType for a DISTRIBUTED Map only."""
    if not isinstance(config, dict):
        raise fail(EXPECTED[Kind.OBJECT], pointer)  # not recorded
    for name in config:
        if name not in ("Mode", "ExecutionType"):
            raise fail(unsupported(name), pointer)
    mode = config.get("Mode", "INLINE")
    if mode not in ("INLINE", "DISTRIBUTED"):
        raise fail(one_of(("INLINE", "DISTRIBUTED")), ptr(pointer, "Mode"))  # order not recorded
    # The three messages below were measured against AWS's ValidateStateMachineDefinition.
    if "ExecutionType" in config:
        if mode == "INLINE":
            raise fail(unsupported("ExecutionType"), pointer)
        if config["ExecutionType"] not in ("STANDARD", "EXPRESS"):
            raise fail(one_of(("STANDARD", "EXPRESS")), ptr(pointer, "ExecutionType"))
    elif mode == "DISTRIBUTED":
        raise fail(required(["ExecutionType"]), pointer)


def check_label(label: str, pointer: str) -> None:
    """A Map Run label ("Using Map state in Distributed mode", Label): up to 40 characters, none of
    whitespace, < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : / or control characters (not recorded)."""
    if not _LABEL.fullmatch(label):
        raise fail("Value is not a valid Map Run label", pointer)


def _check_s3_resource(value: Mapping[str, JSON], pointer: str, actions: tuple[str, ...]) -> None:
    resource = value["Resource"]
    partition, _, action = resource.removeprefix("arn:").partition(":states:::s3:")
    if not resource.startswith("arn:aws") or not partition.startswith("aws") or action not in actions:
        # The developer guide lists the actions; accepting any aws partition is our inference.
        raise fail(one_of(tuple(_S3_ARN + name for name in actions)), ptr(pointer, "Resource"))


def check_item_reader(value: JSON, pointer: str, lang: Lang) -> None:
    """ItemReader: an S3 resource, its Parameters or Arguments, and its ReaderConfig."""
    reader = check_fields(value, pointer, _ITEM_READER_FIELDS, lang, required_names=("Resource",))
    _check_s3_resource(reader, pointer, ACTIONS)
    check_exclusive(reader, Exclusive(("Parameters", "Arguments")), pointer)
    config = reader.get("ReaderConfig")
    config_pointer = ptr(pointer, "ReaderConfig")
    flatten = isinstance(config, dict) and config.get("Transformation") == "LOAD_AND_FLATTEN"
    if reader["Resource"].endswith(":s3:getObject") or flatten:
        # A read object needs a format; AWS's rule is not recorded, ours: InputType is required
        # where the data is a file.
        if config is None:
            raise fail(required(["ReaderConfig"]), pointer)
        if "InputType" not in config:
            raise fail(required(["InputType"]), config_pointer)
    if config is None:
        return
    check_fields(config, config_pointer, _READER_CONFIG_FIELDS, lang)
    check_exclusive(config, Exclusive(("MaxItems", "MaxItemsPath")), config_pointer)
    check_enums(config, config_pointer, _READER_ENUMS)
    if config.get("CSVHeaderLocation") == "GIVEN" and "CSVHeaders" not in config:
        # "ItemReader (Map)", ReaderConfig: CSVHeaderLocation GIVEN takes the headers in CSVHeaders.
        raise fail(required(["CSVHeaders"]), config_pointer)
    if "CSVHeaders" in config:
        headers = config["CSVHeaders"]
        headers_pointer = ptr(config_pointer, "CSVHeaders")
        if not isinstance(headers, list):
            raise fail(EXPECTED_ARRAY, headers_pointer)
        if not headers:
            # By analogy with the measured empty ErrorEquals and Choices.
            raise fail(CANNOT_BE_EMPTY, headers_pointer)
        for index, header in enumerate(headers):
            if not isinstance(header, str):
                raise fail(EXPECTED[Kind.STRING], idx(headers_pointer, index))
    if "ItemsPointer" in config:
        text = config["ItemsPointer"]
        if text and (not text.startswith("/") or _BAD_POINTER_ESCAPE.search(text)):
            # RFC 6901: "" or "/"-separated tokens, "~" only as "~0" or "~1" (not recorded).
            raise fail("Value is not a valid JSON Pointer", ptr(config_pointer, "ItemsPointer"))


def check_item_batcher(value: JSON, pointer: str, lang: Lang) -> None:
    """ItemBatcher: BatchInput and at least one limit, by count or by size."""
    batcher = check_fields(value, pointer, _ITEM_BATCHER_FIELDS, lang)
    check_exclusive(batcher, Exclusive(_BATCH_LIMITS[:2]), pointer)
    check_exclusive(batcher, Exclusive(_BATCH_LIMITS[2:]), pointer)
    if not any(name in batcher for name in _BATCH_LIMITS):
        # "ItemBatcher (Map)": a batcher limits its batches by item count, by size, or both.
        raise fail(
            f"This object should have at least one of the following fields: [{', '.join(_BATCH_LIMITS)}]",
            pointer,
        )


def check_result_writer(value: JSON, pointer: str, lang: Lang) -> None:
    """ResultWriter: an S3 putObject resource, a WriterConfig, or both."""
    writer = check_fields(value, pointer, _RESULT_WRITER_FIELDS, lang)
    check_exclusive(writer, Exclusive(("Parameters", "Arguments")), pointer)
    if "Resource" not in writer and "WriterConfig" not in writer:
        # Our inference: WriterConfig alone is accepted (it only shapes the Map's result), so an
        # object with neither field is asked for the Resource.
        raise fail(required(["Resource"]), pointer)
    if "Resource" in writer:
        _check_s3_resource(writer, pointer, ("putObject",))
    if "WriterConfig" in writer:
        config_pointer = ptr(pointer, "WriterConfig")
        config = check_fields(writer["WriterConfig"], config_pointer, _WRITER_CONFIG_FIELDS, lang)
        check_enums(config, config_pointer, _WRITER_ENUMS)
