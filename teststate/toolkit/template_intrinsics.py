"""CloudFormation's intrinsic functions, pseudo parameters and conditions, resolved without deploying.

A `Resolver` holds one template and the values a stack would be created with (parameters, region,
account, stack name, imported values) and resolves values of it on demand, each at its path in
the template, so an error names where it happened. Only what a definition needs is resolved: the
rest of the template may hold functions this module does not know (``Fn::Cidr`` in a VPC) without
harm.

Supported, as the AWS CloudFormation User Guide ("Intrinsic function reference") describes them:
``Ref`` (parameters, pseudo parameters, resources), ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join``,
``Fn::Select``, ``Fn::Split``, ``Fn::If``, ``Fn::FindInMap`` (with the ``DefaultValue`` option),
``Fn::Base64``, ``Fn::ImportValue``, ``Fn::GetAZs``; conditions with ``Fn::Equals``, ``Fn::And``,
``Fn::Or``, ``Fn::Not`` and ``Condition``. What resources resolve to is `template_resources`'s.
"""

from __future__ import annotations

import base64
import enum
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Final, TypeAlias

from interpreter.jsontypes import JSON
from teststate.toolkit.errors import TemplateError
from teststate.toolkit.template_resources import Place, reference

TemplatePath: TypeAlias = tuple[str | int, ...]
ParameterValue: TypeAlias = str | Sequence[str]
"""A parameter's value as a caller gives it: text, or a list of texts for a list type."""


class NoValue(enum.Enum):
    """The type of `NO_VALUE`: what ``{"Ref": "AWS::NoValue"}`` resolves to (the value is removed)."""

    NO_VALUE = "AWS::NoValue"


NO_VALUE: Final = NoValue.NO_VALUE

CONDITION_FUNCTIONS: Final = frozenset({"Fn::And", "Fn::Equals", "Fn::Not", "Fn::Or"})
# Resources SAM generates beside the one the template declares, as far as a definition can name
# them: a function's or state machine's execution role ``<logical id>Role`` (AWS SAM Developer
# Guide, "Generated AWS CloudFormation resources"), when the template gives no Role.
_SAM_ROLE_OWNERS: Final = frozenset({"AWS::Serverless::Function", "AWS::Serverless::StateMachine"})
_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")
_AVAILABILITY_ZONES: Final = ("a", "b", "c")


def is_intrinsic(value: JSON) -> bool:
    """A one-member object whose key is ``Ref`` or an ``Fn::`` function."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


class Resolver:
    """Resolves values of one template for one imagined stack."""

    def __init__(
        self,
        document: Mapping[str, JSON],
        *,
        place: Place,
        parameters: Mapping[str, ParameterValue],
        imports: Mapping[str, str],
    ) -> None:
        self.place = place
        self._resources = _section(document, "Resources")
        self._declared_parameters = _section(document, "Parameters")
        self._mappings = _section(document, "Mappings")
        self._conditions = _section(document, "Conditions")
        self._given = _given_parameters(parameters, self._declared_parameters)
        self._imports = dict(imports)
        self._condition_values: dict[str, bool] = {}
        # What is being resolved now, to refuse a cycle instead of recursing without end.
        self._evaluating_conditions: set[str] = set()
        self._evaluating_resources: set[str] = set()

    # ----------------------------------------------------------------------------------------
    # Values
    # ----------------------------------------------------------------------------------------
    def resolve(self, value: JSON, path: TemplatePath) -> JSON | NoValue:
        """`value` with every intrinsic function in it resolved; `NO_VALUE` for ``AWS::NoValue``."""
        if isinstance(value, Mapping):
            if is_intrinsic(value):
                ((name, argument),) = value.items()
                function = _FUNCTIONS.get(name)
                if function is None:
                    raise TemplateError(path, _unsupported(name))
                return function(self, argument, path)
            resolved = {key: self.resolve(item, (*path, key)) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(item, (*path, index)) for index, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def text(self, value: JSON, path: TemplatePath, what: str) -> str:
        """`value` resolved to a string (a number or boolean as CloudFormation writes it)."""
        return as_text(self.resolve(value, path), path, what)

    def resource_type(self, logical_id: str) -> str | None:
        """The type of a resource of the template (or one SAM generates), None if there is none."""
        resource = self._resource(logical_id)
        if resource is None:
            return None
        kind = resource.get("Type")
        return kind if isinstance(kind, str) else ""

    # ----------------------------------------------------------------------------------------
    # Conditions
    # ----------------------------------------------------------------------------------------
    def condition(self, name: JSON, path: TemplatePath) -> bool:
        """Whether the template's condition `name` holds for this stack."""
        if not isinstance(name, str):
            raise TemplateError(path, "a condition is named by a string")
        known = self._condition_values.get(name)
        if known is not None:
            return known
        if name not in self._conditions:
            declared = ", ".join(self._conditions) or "none"
            raise TemplateError(
                path, f"condition '{name}' is not declared in Conditions (declared: {declared})"
            )
        if name in self._evaluating_conditions:
            raise TemplateError(("Conditions", name), f"condition '{name}' depends on itself")
        self._evaluating_conditions.add(name)
        try:
            holds = self._evaluate_condition(self._conditions[name], ("Conditions", name))
        finally:
            self._evaluating_conditions.discard(name)
        self._condition_values[name] = holds
        return holds

    def _evaluate_condition(self, value: JSON, path: TemplatePath) -> bool:
        if isinstance(value, Mapping) and len(value) == 1:
            ((function, argument),) = value.items()
            inner: TemplatePath = (*path, function)
            if function == "Condition":
                return self.condition(argument, inner)
            if function == "Fn::Equals":
                left, right = _arguments(argument, inner, function, 2)
                first = _comparable(self.resolve(left, (*inner, 0)), (*inner, 0))
                second = _comparable(self.resolve(right, (*inner, 1)), (*inner, 1))
                return first == second
            if function == "Fn::Not":
                (operand,) = _arguments(argument, inner, function, 1)
                return not self._evaluate_condition(operand, (*inner, 0))
            if function in ("Fn::And", "Fn::Or"):
                if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
                    raise TemplateError(inner, f"{function} takes a list of 2 to 10 conditions")
                values = [
                    self._evaluate_condition(item, (*inner, index)) for index, item in enumerate(argument)
                ]
                return all(values) if function == "Fn::And" else any(values)
        raise TemplateError(
            path, "a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or {'Condition': name}"
        )

    # ----------------------------------------------------------------------------------------
    # Names: pseudo parameters, parameters, resources
    # ----------------------------------------------------------------------------------------
    def _named(self, name: str, path: TemplatePath, *, sub: bool) -> JSON | NoValue:
        """What ``Ref`` (or a ``${name}`` of ``Fn::Sub``) gives for `name`."""
        if name.startswith("AWS::"):
            return self._pseudo(name, path)
        if name in self._declared_parameters:
            return self._parameter(name, path)
        resource_type = self.resource_type(name)
        if resource_type is not None:
            return self._reference(name, resource_type, None)
        what = "${" + name + "} of Fn::Sub" if sub else f"Ref to '{name}'"
        raise TemplateError(path, f"{what}: the template declares no parameter or resource '{name}'")

    def _pseudo(self, name: str, path: TemplatePath) -> JSON | NoValue:
        place = self.place
        values: dict[str, JSON | NoValue] = {
            "AWS::AccountId": place.account,
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
            "AWS::Partition": place.partition,
            "AWS::Region": place.region,
            "AWS::StackId": place.stack_id,
            "AWS::StackName": place.stack_name,
            "AWS::URLSuffix": place.url_suffix,
        }
        if name not in values:
            raise TemplateError(
                path, f"'{name}' is not a pseudo parameter (known: {', '.join(sorted(values))})"
            )
        return values[name]

    def _parameter(self, name: str, path: TemplatePath) -> str | list[str]:
        declaration = self._declared_parameters[name]
        declaration = declaration if isinstance(declaration, Mapping) else {}
        kind = declaration.get("Type", "String")
        kind = kind if isinstance(kind, str) else "String"
        if name in self._given:
            raw: JSON = self._given[name]
        elif kind.startswith("AWS::SSM::Parameter::Value<"):
            raise TemplateError(
                path,
                f"parameter '{name}' is read from SSM Parameter Store ({kind}): give its value in parameters=",
            )
        elif "Default" in declaration:
            raw = declaration["Default"]
        else:
            raise TemplateError(path, f"parameter '{name}' has no Default: give its value in parameters=")
        where: TemplatePath = ("Parameters", name)
        if _is_list_type(kind):
            items = raw.split(",") if isinstance(raw, str) else raw
            if not isinstance(items, list):
                raise TemplateError(where, f"parameter '{name}' ({kind}) takes a comma-delimited string")
            values = [as_text(item, where, f"an item of parameter '{name}'") for item in items]
        else:
            values = [as_text(raw, where, f"parameter '{name}'")]
        allowed = declaration.get("AllowedValues")
        if isinstance(allowed, list):
            allowed_texts = [as_text(item, (*where, "AllowedValues"), "an allowed value") for item in allowed]
            for value in values:
                if value not in allowed_texts:
                    raise TemplateError(
                        path,
                        f"parameter '{name}' is {value!r}, not one of its AllowedValues {allowed_texts}",
                    )
        return values if _is_list_type(kind) else values[0]

    def _resource(self, logical_id: str) -> Mapping[str, JSON] | None:
        resource = self._resources.get(logical_id)
        if isinstance(resource, Mapping):
            return resource
        if logical_id.endswith("Role"):
            owner = self._resources.get(logical_id.removesuffix("Role"))
            if isinstance(owner, Mapping) and owner.get("Type") in _SAM_ROLE_OWNERS:
                properties = owner.get("Properties")
                if not (isinstance(properties, Mapping) and "Role" in properties):
                    return {"Type": "AWS::IAM::Role"}
        return None

    def _reference(self, logical_id: str, resource_type: str, attribute: str | None) -> str:
        return reference(
            resource_type,
            logical_id,
            attribute,
            place=self.place,
            properties=self._property_reader(logical_id),
        )

    def _property_reader(self, logical_id: str) -> Callable[[str], JSON]:
        def read(name: str) -> JSON:
            resource = self._resource(logical_id) or {}
            properties = resource.get("Properties")
            if not isinstance(properties, Mapping) or name not in properties:
                return None
            if logical_id in self._evaluating_resources:
                raise TemplateError(
                    ("Resources", logical_id, "Properties", name),
                    f"the {name} of '{logical_id}' refers to '{logical_id}' itself",
                )
            self._evaluating_resources.add(logical_id)
            try:
                value = self.resolve(properties[name], ("Resources", logical_id, "Properties", name))
            finally:
                self._evaluating_resources.discard(logical_id)
            return None if value is NO_VALUE else value

        return read

    # ----------------------------------------------------------------------------------------
    # The functions
    # ----------------------------------------------------------------------------------------
    def _ref(self, argument: JSON, path: TemplatePath) -> JSON | NoValue:
        if not isinstance(argument, str):
            raise TemplateError(path, "Ref takes the name of a parameter, pseudo parameter or resource")
        return self._named(argument, path, sub=False)

    def _get_att(self, argument: JSON, path: TemplatePath) -> JSON:
        inner: TemplatePath = (*path, "Fn::GetAtt")
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        else:
            name, attribute_value = _arguments(argument, inner, "Fn::GetAtt", 2)
            if not isinstance(name, str):
                raise TemplateError((*inner, 0), "Fn::GetAtt takes a resource's logical id")
            logical_id = name
            attribute = self.text(attribute_value, (*inner, 1), "the attribute of Fn::GetAtt")
        if not attribute:
            raise TemplateError(inner, "Fn::GetAtt takes a logical id and an attribute: 'Resource.Attribute'")
        resource_type = self.resource_type(logical_id)
        if resource_type is None:
            raise TemplateError(
                path, f"Fn::GetAtt of '{logical_id}': the template declares no resource of that name"
            )
        return self._reference(logical_id, resource_type, attribute)

    def _sub(self, argument: JSON, path: TemplatePath) -> JSON:
        inner: TemplatePath = (*path, "Fn::Sub")
        variables: Mapping[str, JSON] = {}
        if isinstance(argument, str):
            body, body_path = argument, inner
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            body, body_path = argument[0], (*inner, 0)
            if not isinstance(argument[1], Mapping):
                raise TemplateError((*inner, 1), "the variables of Fn::Sub are an object")
            variables = argument[1]
        else:
            raise TemplateError(
                inner, "Fn::Sub takes a string, or a list of a string and an object of variables"
            )

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                where: TemplatePath = (*inner, 1, name)
                return self.text(variables[name], where, f"variable '{name}' of Fn::Sub")
            return self._sub_name(name, body_path)

        return _SUB_VARIABLE.sub(replace, body)

    def _sub_name(self, name: str, path: TemplatePath) -> str:
        what = "${" + name + "} of Fn::Sub"
        logical_id, dot, attribute = name.partition(".")
        if dot and not name.startswith("AWS::") and logical_id not in self._declared_parameters:
            resource_type = self.resource_type(logical_id)
            if resource_type is None:
                raise TemplateError(path, f"{what}: the template declares no resource '{logical_id}'")
            return self._reference(logical_id, resource_type, attribute)
        return as_text(self._named(name, path, sub=True), path, what)

    def _join(self, argument: JSON, path: TemplatePath) -> JSON:
        inner: TemplatePath = (*path, "Fn::Join")
        delimiter, items = _arguments(argument, inner, "Fn::Join", 2)
        if not isinstance(delimiter, str):
            raise TemplateError((*inner, 0), "the delimiter of Fn::Join is a string")
        pieces: list[str] = []
        if isinstance(items, list):
            for index, item in enumerate(items):
                where: TemplatePath = (*inner, 1, index)
                value = self.resolve(item, where)
                if value is not NO_VALUE:
                    pieces.append(as_text(value, where, "an item of Fn::Join"))
        else:
            values = self._list(items, (*inner, 1), "the second argument of Fn::Join")
            pieces = [as_text(value, (*inner, 1), "an item of Fn::Join") for value in values]
        return delimiter.join(pieces)

    def _select(self, argument: JSON, path: TemplatePath) -> JSON:
        inner: TemplatePath = (*path, "Fn::Select")
        index_value, items = _arguments(argument, inner, "Fn::Select", 2)
        index_text = self.text(index_value, (*inner, 0), "the index of Fn::Select")
        values = self._list(items, (*inner, 1), "the second argument of Fn::Select")
        if not index_text.isdigit():
            raise TemplateError((*inner, 0), f"the index of Fn::Select is a whole number, not {index_text!r}")
        index = int(index_text)
        if index >= len(values):
            raise TemplateError(
                inner, f"Fn::Select index {index} is out of range: the list has {len(values)} items"
            )
        return values[index]

    def _split(self, argument: JSON, path: TemplatePath) -> JSON:
        inner: TemplatePath = (*path, "Fn::Split")
        delimiter, source = _arguments(argument, inner, "Fn::Split", 2)
        if not isinstance(delimiter, str) or not delimiter:
            raise TemplateError((*inner, 0), "the delimiter of Fn::Split is a non-empty string")
        return self.text(source, (*inner, 1), "the source string of Fn::Split").split(delimiter)

    def _if(self, argument: JSON, path: TemplatePath) -> JSON | NoValue:
        inner: TemplatePath = (*path, "Fn::If")
        name, when_true, when_false = _arguments(argument, inner, "Fn::If", 3)
        if self.condition(name, (*inner, 0)):
            return self.resolve(when_true, (*inner, 1))
        return self.resolve(when_false, (*inner, 2))

    def _find_in_map(self, argument: JSON, path: TemplatePath) -> JSON:
        inner: TemplatePath = (*path, "Fn::FindInMap")
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise TemplateError(inner, "Fn::FindInMap takes a map name, a top-level key, a second-level key")
        default: JSON | NoValue = NO_VALUE
        if len(argument) == 4:
            option = argument[3]
            if not (isinstance(option, Mapping) and set(option) == {"DefaultValue"}):
                raise TemplateError(
                    (*inner, 3), "the fourth argument of Fn::FindInMap is {'DefaultValue': value}"
                )
            default = self.resolve(option["DefaultValue"], (*inner, 3, "DefaultValue"))
        keys = [self.text(argument[index], (*inner, index), "a key of Fn::FindInMap") for index in range(3)]
        table: JSON = self._mappings
        for index, key in enumerate(keys):
            if not isinstance(table, Mapping) or key not in table:
                if default is not NO_VALUE:
                    return default
                where = "Mappings" if index == 0 else f"map '{'/'.join(keys[:index])}'"
                raise TemplateError((*inner, index), f"Fn::FindInMap: {where} has no key '{key}'")
            table = table[key]
        return table

    def _base64(self, argument: JSON, path: TemplatePath) -> JSON:
        text = self.text(argument, (*path, "Fn::Base64"), "the argument of Fn::Base64")
        return base64.b64encode(text.encode()).decode("ascii")

    def _import_value(self, argument: JSON, path: TemplatePath) -> JSON:
        # Another stack's export: the caller's value for it, else its name (no stack exports it here).
        name = self.text(argument, (*path, "Fn::ImportValue"), "the export name of Fn::ImportValue")
        return self._imports.get(name, name)

    def _get_azs(self, argument: JSON, path: TemplatePath) -> JSON:
        region = self.text(argument, (*path, "Fn::GetAZs"), "the region of Fn::GetAZs") or self.place.region
        return [region + zone for zone in _AVAILABILITY_ZONES]

    def _list(self, value: JSON, path: TemplatePath, what: str) -> list[JSON]:
        resolved = self.resolve(value, path)
        if not isinstance(resolved, list):
            raise TemplateError(path, f"{what} is a list")
        return resolved


_FUNCTIONS: Final[Mapping[str, Callable[[Resolver, JSON, TemplatePath], JSON | NoValue]]] = {
    "Ref": Resolver._ref,
    "Fn::Base64": Resolver._base64,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::GetAZs": Resolver._get_azs,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::If": Resolver._if,
    "Fn::ImportValue": Resolver._import_value,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::Sub": Resolver._sub,
}
# Every name of the table must be one `resolve` sends to it, and none a condition function.
if not all(is_intrinsic({name: None}) for name in _FUNCTIONS) or CONDITION_FUNCTIONS & set(_FUNCTIONS):
    raise RuntimeError("the intrinsic function table holds a name resolve() never dispatches")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _unsupported(name: str) -> str:
    if name in CONDITION_FUNCTIONS:
        return f"{name} is a condition function: it belongs in Conditions, and Fn::If names a condition"
    return f"{name} is not an intrinsic function this loader resolves (it resolves: {', '.join(sorted(_FUNCTIONS))})"


def _section(document: Mapping[str, JSON], name: str) -> Mapping[str, JSON]:
    section = document.get(name, {})
    if not isinstance(section, Mapping):
        raise TemplateError((name,), f"the {name} section is an object")
    return section


def _given_parameters(
    parameters: Mapping[str, ParameterValue], declared: Mapping[str, JSON]
) -> dict[str, JSON]:
    given: dict[str, JSON] = {}
    for name, value in parameters.items():
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise TemplateError(
                ("Parameters",), f"parameter '{name}' is given but not declared (declared: {known})"
            )
        if isinstance(value, str):
            given[name] = value
        elif isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
            given[name] = list(value)
        else:
            raise TemplateError(("Parameters", name), f"the value given for parameter '{name}' is not text")
    return given


def _is_list_type(kind: str) -> bool:
    inner = kind.removeprefix("AWS::SSM::Parameter::Value<").removesuffix(">") if "Value<" in kind else kind
    return inner.startswith("List<") or inner == "CommaDelimitedList"


def _arguments(argument: JSON, path: TemplatePath, function: str, count: int) -> list[JSON]:
    if not isinstance(argument, list) or len(argument) != count:
        raise TemplateError(path, f"{function} takes a list of {count} arguments")
    return argument


def as_text(value: JSON | NoValue, path: TemplatePath, what: str) -> str:
    """A resolved value as text, as CloudFormation joins and substitutes it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    raise TemplateError(path, f"{what} is a string, number or boolean, not {kind_of(value)}")


def kind_of(value: JSON | NoValue) -> str:
    """How a value is named in messages: "a list", "an object", "null"..."""
    if value is NO_VALUE:
        return "AWS::NoValue"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _comparable(value: JSON | NoValue, path: TemplatePath) -> str | tuple[str, ...]:
    """An operand of ``Fn::Equals`` as CloudFormation compares it: as text (``true`` is ``"true"``)."""
    if isinstance(value, list):
        return tuple(as_text(item, path, "an item of an operand of Fn::Equals") for item in value)
    return as_text(value, path, "an operand of Fn::Equals")
