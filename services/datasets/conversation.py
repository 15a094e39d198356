"""The careful check of one conversation record (bedrock-conversation-2024 and Claude's simple
form) against its family's RecordRules: every rule is read from the rules, none is a branch on
the family. Slow and precise: only records the fast path does not accept come here."""

from __future__ import annotations

import re
from typing import Any, NoReturn

import orjson

from services.datasets.report import IMAGE_TOKENS, ROLES, _Collector, _tokens, _type_name
from services.datasets.specs import ASSISTANT_ONLY_BLOCKS, CONVERSE_TOOLS, USER_ONLY_BLOCKS, Family

Counted = tuple[int, int, int]  # input tokens, output tokens, messages

_CONV_KEYS = frozenset({"schemaVersion", "system", "messages"})
_MEDIA = ("image", "video", "document")
_PLURAL = {"image": "images", "video": "videos", "document": "documents"}


class _Refused(Exception):
    pass


class _Record:
    """One conversation record being checked: what it holds so far, and where to report."""

    def __init__(self, n: int, out: _Collector, fam: Family) -> None:
        self.n, self.out, self.fam, self.rules = n, out, fam, fam.rules
        self.media = dict.fromkeys(_MEDIA, 0)
        self.tools: set[str] | None = None  # the tool names toolConfig lists
        self.tool_uses: set[str] = set()
        self.tool_results: set[str] = set()

    def refuse(self, kind: str, message: str) -> NoReturn:
        self.out.add(self.n, kind, message)
        raise _Refused

    def text(self, value: Any, where: str) -> int:
        if type(value) is not str:
            self.refuse("types", f"{where} must be a string, got {_type_name(value)}")
        rules = self.rules
        if rules.reserved:
            seen = value.lower() if rules.reserved_any_case else value
            for word in rules.reserved:
                if (word.lower() if rules.reserved_any_case else word) in seen:
                    how = "in any case" if rules.reserved_any_case else "as written"
                    self.refuse(
                        "reserved",
                        f"{where} contains {word!r}, a reserved keyword for {self.fam.label} (matched {how}): "
                        f"the job fails on it; reword it ({rules.source('reserved')})",
                    )
        return _tokens(value, rules.chars_per_token)

    def form(self, value: Any, where: str, form: str, rule: str) -> None:
        if form == "string" and type(value) is not str:
            blocks = " (a list of content blocks)" if type(value) is list else ""
            self.refuse(
                "types",
                f"{where} must be a string for {self.fam.label}, not {_type_name(value)}{blocks} "
                f"({self.rules.source(rule)})",
            )
        if form == "blocks" and type(value) is not list:
            self.refuse(
                "types",
                f'{where} must be a list of content blocks for {self.fam.label}, e.g. [{{"text": "…"}}], '
                f"not {_type_name(value)} ({self.rules.source(rule)})",
            )

    def system(self, value: Any) -> int:
        self.form(value, "system", self.rules.system, "system")
        if type(value) is str:
            return self.text(value, "system")
        if type(value) is not list:
            self.refuse("types", f"'system' must be a string or a list of text blocks, got {_type_name(value)}")
        want = self.rules.system_blocks
        if want is not None and len(value) != want:
            self.refuse(
                "types",
                f"'system' holds {len(value)} block(s); {self.fam.label} takes exactly {want} "
                f"({self.rules.source('system_blocks')})",
            )
        tokens = 0
        for i, block in enumerate(value):
            if type(block) is not dict or block.keys() != {"text"}:
                self.refuse("types", f"system[{i}] must be an object with one string 'text'")
            tokens += self.text(block["text"], f"system[{i}].text")
        return tokens

    def content(self, value: Any, where: str, role: str) -> int:
        rules = self.rules
        self.form(value, where, rules.content, "content")
        if type(value) is str:
            if rules.non_empty_text and not value:
                self.refuse("empty", f"{where} is empty ({rules.source('non_empty_text')})")
            return self.text(value, where)
        if type(value) is not list or not value:
            self.refuse("types", f"{where} must be a string or a non-empty list of content blocks")
        tokens = text_chars = 0
        other = False
        for i, block in enumerate(value):
            at = f"{where}[{i}]"
            if type(block) is not dict or len(block) != 1:
                self.refuse("types", f"{at} must be an object with exactly one of: {', '.join(sorted(rules.blocks))}")
            kind, body = next(iter(block.items()))
            if kind not in rules.blocks:
                self.unknown(kind, at)
            if role == "assistant" and kind in USER_ONLY_BLOCKS:
                self.refuse("media", f"{at}: an assistant turn cannot hold {kind!r} blocks (only user turns can)")
            if role == "user" and kind in ASSISTANT_ONLY_BLOCKS:
                self.refuse("types", f"{at}: a user turn cannot hold {kind!r} blocks (only assistant turns can)")
            if kind == "text":
                tokens += self.text(body, f"{at}.text")
                text_chars += len(body)
                continue
            other = True
            if kind in _MEDIA:
                tokens += self.medium(kind, body, at)
            elif kind == "reasoningContent":
                tokens += self.reasoning(body, at)
            elif kind == "toolUse":
                tokens += self.tool_use(body, at)
            else:
                tokens += self.tool_result(body, at)
        if rules.non_empty_text and not other and text_chars == 0:
            self.refuse("empty", f"{where} has only empty text ({rules.source('non_empty_text')})")
        return tokens

    def unknown(self, kind: str, at: str) -> NoReturn:
        rules = self.rules
        takes = ", ".join(sorted(rules.blocks))
        if kind in _MEDIA and rules.blocks <= {"text", "toolUse", "toolResult"}:
            self.refuse(
                "media", f"{at}: {self.fam.label} is text-only; it takes no {_PLURAL[kind]} ({rules.source('blocks')})"
            )
        if kind in _MEDIA or kind in USER_ONLY_BLOCKS or kind in ASSISTANT_ONLY_BLOCKS:
            self.refuse(
                "media", f"{at}: {self.fam.label} takes no {kind!r} blocks; it takes {takes} ({rules.source('blocks')})"
            )
        self.refuse("types", f"{at} is an unknown {kind[:40]!r} block; {self.fam.label} takes {takes}")

    def medium(self, kind: str, body: Any, at: str) -> int:
        rules = self.rules
        formats = {"image": rules.image_formats, "video": rules.video_formats, "document": rules.document_formats}[kind]
        allowed = {"format", "source", "name"} if kind == "document" else {"format", "source"}
        if type(body) is not dict or not {"format", "source"} <= body.keys() <= allowed:
            self.refuse("types", f"{at}.{kind} needs exactly 'format' and 'source'")
        fmt = body["format"]
        if type(fmt) is not str or fmt.lower() not in formats:
            self.refuse(
                "media",
                f"{at}.{kind}.format {str(fmt)[:20]!r}: {self.fam.label} takes {', '.join(formats)} "
                f"({rules.source(f'{kind}_formats')})",
            )
        source = body["source"]
        location = source.get("s3Location") if type(source) is dict and source.keys() == {"s3Location"} else None
        if type(location) is not dict or not {"uri"} <= location.keys() <= {"uri", "bucketOwner"}:
            self.refuse("types", f"{at}.{kind} needs source.s3Location.uri (an s3:// URI)")
        uri = location["uri"]
        if type(uri) is not str or not uri.startswith("s3://"):
            self.refuse("types", f"{at}.{kind}.source.s3Location.uri must be an s3:// URI")
        pattern = rules.media_uri_pattern
        if pattern is not None and not re.fullmatch(pattern, uri[5:]):
            self.refuse(
                "media",
                f"{at}.{kind}.source.s3Location.uri {uri[:80]!r} holds characters Bedrock refuses: only letters, "
                f"digits, '_', '-', '/' and '.' ({rules.source('media_uri_pattern')})",
            )
        self.media[kind] += 1
        return IMAGE_TOKENS if kind == "image" else 0

    def reasoning(self, body: Any, at: str) -> int:
        reasoning = body.get("reasoningText") if type(body) is dict and body.keys() == {"reasoningText"} else None
        if type(reasoning) is not dict or not {"text"} <= reasoning.keys() <= {"text", "signature"}:
            self.refuse("types", f'{at}.reasoningContent needs reasoningText {{"text": "…"}}')
        if not reasoning["text"]:
            self.refuse("empty", f"{at}.reasoningContent.reasoningText.text is empty")
        return self.text(reasoning["text"], f"{at}.reasoningContent.reasoningText.text")

    def tool_use(self, body: Any, at: str) -> int:
        if type(body) is not dict or body.keys() != {"toolUseId", "name", "input"}:
            self.refuse("tools", f"{at}.toolUse needs exactly 'toolUseId', 'name' and 'input'")
        use_id, name, arguments = body["toolUseId"], body["name"], body["input"]
        if type(use_id) is not str or not use_id.strip() or type(name) is not str or not name.strip():
            self.refuse("tools", f"{at}.toolUse: 'toolUseId' and 'name' must be non-empty strings")
        if type(arguments) is not dict:
            self.refuse("tools", f"{at}.toolUse.input must be a JSON object")
        if self.tools is None:
            self.refuse("tools", f"{at}: a toolUse block needs a 'toolConfig' that lists the tools ({CONVERSE_TOOLS})")
        if name not in self.tools:
            self.refuse("tools", f"{at}.toolUse calls {name[:64]!r}, which 'toolConfig' does not list")
        if use_id in self.tool_uses:
            self.refuse("tools", f"{at}.toolUse: toolUseId {use_id[:64]!r} is used twice")
        self.tool_uses.add(use_id)
        return _tokens(orjson.dumps(arguments).decode(), self.rules.chars_per_token)

    def tool_result(self, body: Any, at: str) -> int:
        if type(body) is not dict or not {"toolUseId", "content"} <= body.keys() <= {"toolUseId", "content", "status"}:
            self.refuse("tools", f"{at}.toolResult needs 'toolUseId' and 'content'")
        use_id, content = body["toolUseId"], body["content"]
        if type(use_id) is not str or use_id not in self.tool_uses:
            self.refuse(
                "tools", f"{at}.toolResult answers toolUseId {str(use_id)[:64]!r}, which no earlier toolUse has"
            )
        if use_id in self.tool_results:
            self.refuse("tools", f"{at}.toolResult: toolUseId {use_id[:64]!r} is answered twice")
        self.tool_results.add(use_id)
        if type(content) is not list or not content:
            self.refuse("tools", f"{at}.toolResult.content must be a non-empty list of text or json blocks")
        tokens = 0
        for j, item in enumerate(content):
            if type(item) is not dict or len(item) != 1 or not item.keys() <= {"text", "json"}:
                self.refuse("tools", f'{at}.toolResult.content[{j}] must be {{"text": …}} or {{"json": …}}')
            value = item.get("text", item.get("json"))
            shown = value if type(value) is str else orjson.dumps(value).decode()
            tokens += _tokens(shown, self.rules.chars_per_token)
        return tokens

    def tool_config(self, value: Any) -> None:
        tools = value.get("tools") if type(value) is dict else None
        if type(tools) is not list or not tools:
            self.refuse("tools", "'toolConfig' needs a non-empty 'tools' list")
        names: set[str] = set()
        for i, tool in enumerate(tools):
            spec = tool.get("toolSpec") if type(tool) is dict else None
            if type(spec) is not dict:
                self.refuse("tools", f"toolConfig.tools[{i}] needs a 'toolSpec'")
            name, schema = spec.get("name"), spec.get("inputSchema")
            if type(name) is not str or not name.strip() or type(spec.get("description")) is not str:
                self.refuse("tools", f"toolConfig.tools[{i}].toolSpec needs a 'name' and a 'description'")
            if type(schema) is not dict or type(schema.get("json")) is not dict:
                self.refuse("tools", f"toolConfig.tools[{i}].toolSpec needs inputSchema.json (a JSON Schema object)")
            if name in names:
                self.refuse("tools", f"toolConfig lists the tool {name[:64]!r} twice")
            names.add(name)
        self.tools = names

    def limits(self) -> None:
        rules = self.rules
        for kind, most in (("image", rules.max_images), ("video", rules.max_videos), ("document", rules.max_documents)):
            if most is not None and self.media[kind] > most:
                self.refuse(
                    "media",
                    f"{self.media[kind]} {_PLURAL[kind]} in one record; {self.fam.label} takes at most {most} "
                    f"({rules.source('max_' + _PLURAL[kind])})",
                )
        if not rules.images_with_video and self.media["video"] and (self.media["image"] or self.media["document"]):
            self.refuse(
                "media",
                f"video with images or documents in one record; {self.fam.label} takes text with images, or text "
                f"with video ({rules.source('images_with_video')})",
            )


def check_conversation(rec: dict[str, Any], n: int, out: _Collector, fam: Family) -> Counted | None:
    """(input tokens, output tokens, messages) of an accepted record; None after reporting why not."""
    if "messages" not in rec:
        if "prompt" in rec or "completion" in rec:
            out.add(n, "format", f"this is a prompt/completion record, but {fam.label} needs conversation records")
        else:
            out.add(n, "keys", "missing key 'messages'")
        return None
    rules = fam.rules
    extra = sorted(rec.keys() - _CONV_KEYS - ({"toolConfig"} if rules.tool_config else set()))
    if extra:
        if extra == ["toolConfig"]:
            out.add(n, "tools", f"'toolConfig': {fam.label} takes no tool use ({rules.source('tool_config')})")
        else:
            out.add(n, "keys", "unexpected key(s) " + ", ".join(repr(k[:64]) for k in extra))
        return None
    try:
        return _conversation(rec, _Record(n, out, fam))
    except _Refused:
        return None


def _conversation(rec: dict[str, Any], record: _Record) -> Counted:
    rules, fam = record.rules, record.fam
    schema = rec.get("schemaVersion")
    if rules.schema_version is not None and schema != rules.schema_version:
        got = "it is missing" if schema is None else f"got {str(schema)[:40]!r}"
        record.refuse(
            "schema",
            f"'schemaVersion' must be {rules.schema_version!r} for {fam.label}; {got} "
            f"({rules.source('schema_version')})",
        )
    if schema is not None and type(schema) is not str:
        record.refuse("types", "'schemaVersion' must be a string")
    tokens_in = record.system(rec["system"]) if rec.get("system") is not None else 0
    if "toolConfig" in rec:
        record.tool_config(rec["toolConfig"])
    messages = rec["messages"]
    if rules.answer_optional:
        if type(messages) is not list or not messages:
            record.refuse("types", "'messages' must be a list of at least one user message (the prompt)")
    elif type(messages) is not list or len(messages) < 2:
        record.refuse("types", "'messages' must be a list of at least a user and an assistant message")
    tokens_out = 0
    for i, msg in enumerate(messages):
        if type(msg) is not dict or msg.keys() != {"role", "content"}:
            record.refuse("keys", f"messages[{i}] must have exactly 'role' and 'content'")
        role = msg["role"]
        if role != ROLES[i % 2]:
            shown = repr(role[:40]) if type(role) is str else _type_name(role)
            record.refuse(
                "roles", f"messages[{i}] has role {shown}; roles must alternate user, assistant, starting with user"
            )
        tokens = record.content(msg["content"], f"messages[{i}].content", role)
        if role == "user":
            tokens_in += tokens
        else:
            tokens_out += tokens
    if messages[-1]["role"] != "assistant" and not rules.answer_optional:
        record.refuse("roles", "the last message must be from the assistant")
    users = (len(messages) + 1) // 2
    if rules.max_user_turns is not None and users > rules.max_user_turns:
        record.refuse(
            "roles",
            f"{users} user turns in one record; {fam.label} takes {rules.max_user_turns} prompt per record "
            f"(single-turn) ({rules.source('max_user_turns')})",
        )
    record.limits()
    for kind, count in record.media.items():
        if count:
            record.out.saw_media(kind, record.n)  # for the dataset-wide rules (no images with video)
    return tokens_in, tokens_out, len(messages)
