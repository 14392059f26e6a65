"""The shared plotting rules: legends never cover data, error bars never run off the axes."""

import matplotlib.pyplot as plt
import numpy as np

from aim.core.plotting import apply_rules, covered_points, style


def _figure():
    with plt.rc_context(style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=(6.8, 2.35), layout="constrained")
    x = np.linspace(0, 1, 40)
    return fig, left, right, x


def test_a_legend_on_a_curve_is_detected_and_moved_beside_its_panel():
    fig, left, right, x = _figure()
    left.plot(x, x, label="a line through the middle")
    left.legend(loc="center")
    right.plot(x, 1 - x, "o", label="dots")
    right.legend(loc="upper right")  # the dots go from the upper left to the lower right
    assert covered_points(fig).get("a line through the middle", 0) > 10
    assert "dots" not in covered_points(fig)
    apply_rules(fig)
    assert covered_points(fig) == {}
    assert left.get_legend().get_window_extent().x0 > left.get_window_extent().x1
    plt.close(fig)


def test_error_bars_are_cut_at_the_frame_with_an_arrowhead():
    fig, left, _, x = _figure()
    left.errorbar([0.2, 0.5, 0.8], [0.5, 0.5, 0.5], yerr=[0.1, 3.0, 0.1], fmt="o")
    left.errorbar([0.9], [5.0], yerr=[0.5], fmt="o")  # wholly above the axes
    left.errorbar([1.5], [0.5], yerr=[3.0], fmt="o")  # beside the panel: no arrowheads
    left.set_ylim(0, 1)
    left.set_xlim(0, 1)
    lines_before = len(left.get_lines())
    apply_rules(fig)
    (bars,) = left.containers[0].lines[2]
    (off_scale,) = left.containers[1].lines[2]
    assert np.isnan(np.asarray(off_scale.get_segments()[0])).all()
    tops = [np.max(np.asarray(s)[:, 1]) for s in bars.get_segments()]
    bottoms = [np.min(np.asarray(s)[:, 1]) for s in bars.get_segments()]
    assert tops == [0.6, 1.0, 0.6] and bottoms == [0.4, 0.0, 0.4]
    arrows = left.get_lines()[lines_before:]
    assert sorted((a.get_marker(), a.get_xdata()[0]) for a in arrows) == [
        ("^", 0.5),
        ("^", 0.9),
        ("v", 0.5),
    ]
    plt.close(fig)
