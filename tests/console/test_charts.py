"""The console's SVG charts (console/charts.py): pure functions, markup out."""

import re
from xml.etree import ElementTree

from console.charts import WIDTH, bar_chart, line_chart, percent

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup):
    return ElementTree.fromstring(str(markup))


def test_percentages_read_short():
    assert [percent(v) for v in (0, 50.0, 100, 33.3333, 66.66)] == ["0%", "50%", "100%", "33.3%", "66.7%"]


def test_bars_one_per_value_grouped_with_their_values_printed():
    svg = bar_chart(
        [("Contact Stopped Replying", [("Step 1", 50.0), ("Step 2", 12.5)]), ("Contact is Busy", [("Step 1", None)])],
        title="Reply rate per step",
    )
    root = parsed(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox").startswith(f"0 0 {WIDTH} ")
    assert "width:100%" in root.get("style") and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Reply rate per step"
    assert root.get("aria-labelledby") == root.find(f"{SVG}title").get("id")
    bars = root.findall(f".//{SVG}g[@class='chart-bar']")
    assert len(bars) == 2
    assert [b.find(f"{SVG}title").text for b in bars] == [
        "Contact Stopped Replying, Step 1: 50%",
        "Contact Stopped Replying, Step 2: 12.5%",
    ]
    assert [b.find(f"{SVG}text").text for b in bars] == ["50%", "12.5%"]
    # Widths in proportion: 50% is four times 12.5%.
    widths = [float(b.find(f"{SVG}rect").get("width")) for b in bars]
    assert abs(widths[0] - 4 * widths[1]) < 0.2
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Contact is Busy" in texts and "no sends" in texts  # a step without sends: said, no bar
    assert {"0%", "25%", "50%", "75%", "100%", "Reply rate"} <= set(texts)  # the axis
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_lines_one_point_per_value_broken_where_nothing_was_sent():
    weeks = [("2 Feb", 10.0), ("9 Feb", 20.0), ("16 Feb", None), ("23 Feb", 40.0), ("2 Mar", 30.0)]
    root = parsed(line_chart(weeks, title="Reply rate per week"))
    points = root.findall(f".//{SVG}g[@class='chart-point']")
    assert len(points) == 4
    assert [p.find(f"{SVG}title").text for p in points] == ["2 Feb: 10%", "9 Feb: 20%", "23 Feb: 40%", "2 Mar: 30%"]
    assert [len(line.get("points").split()) for line in root.iter(f"{SVG}polyline")] == [2, 2]
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels == ["2 Feb", "9 Feb", "16 Feb", "23 Feb", "2 Mar"]
    # Higher values are drawn higher (smaller y).
    ys = [float(p.find(f"{SVG}circle").get("cy")) for p in points]
    assert ys[2] < ys[3] < ys[1] < ys[0]


def test_many_weeks_keep_a_few_labels_and_no_printed_values():
    weeks = [(f"W{i}", float(i)) for i in range(53)]
    root = parsed(line_chart(weeks, title="A year"))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert 2 <= len(labels) <= 8 and labels[0] == "W0" and labels[-1] == "W52"
    assert not [t for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert len(root.findall(f".//{SVG}circle")) == 53


def test_a_single_week_is_a_dot():
    root = parsed(line_chart([("2 Mar", 25.0)], title="One week"))
    assert len(root.findall(f".//{SVG}circle")) == 1 and not list(root.iter(f"{SVG}polyline"))


def test_labels_and_titles_are_escaped():
    evil = '<script>alert("x")</script> & co'
    for svg in (
        bar_chart([(evil, [(evil, 10.0)])], title=evil),
        line_chart([(evil, 10.0)], title=evil),
    ):
        assert "<script>" not in svg
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in svg
        assert parsed(svg).find(f"{SVG}title").text == evil


def test_two_charts_on_a_page_name_their_own_titles():
    ids = [parsed(line_chart([("a", 1.0)], title="t")).get("aria-labelledby") for _ in range(2)]
    assert ids[0] != ids[1]


def test_no_data_is_a_sentence_not_an_empty_chart():
    for svg in (
        bar_chart([], title="t"),
        bar_chart([("Contact is Busy", [])], title="t"),
        bar_chart([("Contact is Busy", [("Step 1", None)])], title="t"),
        line_chart([], title="t"),
        line_chart([("2 Mar", None), ("9 Mar", None)], title="t"),
    ):
        assert "<svg" not in svg
        assert re.fullmatch(
            r'<p class="chart-empty">Nothing was sent in this period, so there is no \w+ to draw\.</p>', svg
        )
    assert bar_chart([], title="t", when_empty="Rien.") == '<p class="chart-empty">Rien.</p>'


def test_values_beyond_the_scale_stay_inside_the_chart():
    root = parsed(bar_chart([("g", [("a", 150.0), ("b", -5.0)])], title="t"))
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == WIDTH - 64 - 52 and widths[1] == 1.5  # the bars' column, and a sliver
