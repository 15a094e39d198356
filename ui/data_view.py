"""What Check data found, shown: problems first (a whole-file diagnosis on its own), then what the
data holds: counts, token histograms for input and output, and a few records as chat bubbles.
Display only: every figure comes from the DataCheck the service returned."""

from __future__ import annotations

import tempfile

import streamlit as st

from services.customization import DataCheck
from services.datasets.diagnosis import convert_file
from services.datasets.report import DatasetReport, group_problems
from services.datasets.specs import Family
from services.datasets.templates import example_records, rules_of, template_jsonl
from services.domain.uploads import Upload
from ui.charts import token_histogram
from ui.components import dataset_summary, md_escape

_AVATARS = {"user": ":material/person:", "assistant": ":material/smart_toy:", "system": ":material/settings:"}


def render_template(family: Family) -> None:
    """The family's format: its rules with their sources, an example record, and a download."""
    with st.expander(f"Data format for {family.label}: rules and a template", icon=":material/description:"):
        st.markdown("\n".join(f"- {md_escape(r.text)} [source]({r.source})" for r in rules_of(family)))
        st.caption("An example record, as one line of the .jsonl file (shown here spread out):")
        st.json(example_records(family)[0], expanded=True)
        st.download_button(
            "Download a template (.jsonl)",
            template_jsonl(family),
            file_name=f"{family.key}-template.jsonl",
            mime="application/jsonl",
            icon=":material/download:",
            key=f"template-{family.key}",
        )


def render_check(result: DataCheck) -> None:
    """The answer to Check data: problems, then what the data holds."""
    reports = [r for r in (result.training, result.validation) if r is not None]
    whole = [i for r in reports for i in r.issues if i.kind == "file"]
    for issue in whole:  # one clear message for the whole file, before the lines' problems
        st.warning(md_escape(issue.message), icon=":material/find_in_page:")
    if result.ok:
        st.success("The request passes every check Model Studio knows for this base model.", icon=":material/check:")
    shown = group_problems([p for p in result.problems if not any(i.message in p for i in whole)])
    if shown:
        st.error("\n".join(f"- {md_escape(p)}" for p in shown[:40]))
    if result.warnings:  # what does not stop Create, after what does
        st.warning("\n".join(f"- {md_escape(w)}" for w in result.warnings), icon=":material/warning:")
    for report in reports:
        render_report(report, result.epochs)


def render_report(report: DatasetReport, epochs: int = 1) -> None:
    st.caption(dataset_summary(report))
    if not report.records:
        return
    stats = report.stats
    title = f"{report.kind.value.capitalize()} data"
    cols = st.columns(5)
    cols[0].metric(f"{title}: records", f"{report.records:,}")
    cols[1].metric("Tokens", f"{report.tokens:,}", help=f"Tokens are {report.token_method}.")
    if report.kind.value == "training":
        cols[2].metric(
            "Billable tokens",
            f"{report.tokens * epochs:,}",
            help=f"Training tokens × {epochs} epoch(s): what Bedrock bills for training.",
        )
    limit = stats.token_limit
    cols[3].metric(
        "Near or over the limit",
        f"{stats.near_limit:,} / {stats.over_limit:,}",
        help=(
            f"Records with at least 90% of the {limit:,} tokens a record may hold / records over it."
            if limit
            else "This base model has no per-record token limit."
        ),
    )
    cols[4].metric(
        "Duplicates",
        f"{stats.duplicates:,}",
        help=f"Lines identical to an earlier line, among the first {stats.duplicates_checked:,}.",
    )
    left, right = st.columns(2)
    for side, dist, where in (("Input", stats.input_tokens, left), ("Output", stats.output_tokens, right)):
        if dist.bins:
            bins = [(b.low, b.high, b.records) for b in dist.bins]
            title_text = f"{side} tokens per record (median {dist.p50:,}, p90 {dist.p90:,}, max {dist.max:,})"
            where.plotly_chart(
                token_histogram(bins, title_text, limit),
                key=f"hist-{report.kind.value}-{side}",
                config={"displayModeBar": False},
            )
    if len(stats.turns) > 1 or any(k != 2 for k in stats.turns):
        st.caption("Messages per record: " + ", ".join(f"{k} messages: {n:,} records" for k, n in stats.turns.items()))
    if stats.samples:
        with st.expander(f"{title}: the first {len(stats.samples)} records, as the model will see them"):
            for i, sample in enumerate(stats.samples, 1):
                st.caption(f"Record {i}")
                for turn in sample:
                    with st.chat_message(turn.role, avatar=_AVATARS.get(turn.role)):
                        st.text(turn.text)


def render_summary(summary: dict[str, object]) -> None:
    """What Check data found when the model was made (kept with it): the same view as on the form."""
    epochs = summary.get("epochs", 1)
    for kind in ("training", "validation"):
        data = summary.get(kind)
        if isinstance(data, dict):
            report = DatasetReport.model_validate({**data, "issues": ()})
            render_report(report, epochs if isinstance(epochs, int) else 1)


def render_converted(upload: Upload, family: Family, report: DatasetReport) -> None:
    """When the file is all records of the other format (prompt/completion for a conversation model, or
    two-turn conversations for a prompt/completion model), the whole file converted, to download. It is
    converted line by line into a temporary file; the download holds the result (as every download
    button does), which the upload limit bounds."""
    if not any(i.kind == "file" and "converted" in i.message for i in report.issues):
        return
    with tempfile.TemporaryFile() as converted:
        upload.stream.seek(0)
        try:
            records = convert_file(upload.stream, family, converted)
        finally:
            upload.stream.seek(0)
        if records is None:
            st.caption(
                "Some records have no one-to-one conversion (a conversation of more than two turns, say): "
                "convert them by hand."
            )
            return
        converted.seek(0)
        data = converted.read()
    stem = upload.name.rsplit(".", 1)[0]
    st.download_button(
        f"Download the whole file converted ({records:,} records, {family.label}'s format)",
        data=data,
        file_name=f"{stem}-converted.jsonl",
        mime="application/jsonl",
        icon=":material/download:",
        key="converted-download",
    )
