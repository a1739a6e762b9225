"""The one list of pages: the menu, the landing page, the step links and the tests all read it.

To add a step, create its file under ``pages/`` and add one :class:`Step` here, in the
book's order (see "How to add a page" in the README).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The landing page (the app's main script).
HOME = "streamlit_app.py"
HOME_LABEL = "Overview"
APP_NAME = "Gradient Descent, Step by Step"


@dataclass(frozen=True)
class Step:
    """One step page.

    Attributes
    ----------
    file : path of the page script, relative to the app's root (``pages/NN_Name.py``)
    label : its short name in the menu, the step links and the browser tab
    title : the heading at the top of the page
    summary : what the step does, in a line, for the landing page
    icon : the browser tab's icon
    """

    file: str
    label: str
    title: str
    summary: str
    icon: str

    @property
    def url_path(self) -> str:
        """The path Streamlit serves the page at: the file name without its number (``Loss``)."""
        return Path(self.file).stem.split("_", 1)[-1]


STEPS: tuple[Step, ...] = (
    Step(
        "pages/01_Data.py",
        "Data",
        "Data",
        "generate the points and split them into training and validation sets",
        "🎲",
    ),
    Step("pages/02_Init.py", "Init", "Random initialisation", "pick a random starting b and w", "🎯"),
    Step(
        "pages/03_Predict.py",
        "Predict",
        "Compute the model's predictions",
        "draw the line those parameters give (the forward pass)",
        "📈",
    ),
    Step(
        "pages/04_Loss.py",
        "Loss",
        "Compute the loss",
        "measure how wrong it is (MSE), and see the whole loss surface",
        "📉",
    ),
    Step(
        "pages/05_Gradients.py",
        "Gradients",
        "Compute the gradients",
        "find which way is downhill, and how steep it is",
        "⛰️",
    ),
    Step(
        "pages/06_Update.py",
        "Update",
        "Update the parameters",
        "take one step downhill, scaled by the learning rate",
        "👣",
    ),
    Step(
        "pages/07_Learning_Rate.py",
        "Learning Rate",
        "The learning rate",
        "too small is slow, too large overshoots or diverges",
        "🎚️",
    ),
    Step(
        "pages/08_Bad_Feature.py",
        "Bad Feature",
        '"Bad" feature',
        "a feature on a different scale squeezes the loss surface",
        "📏",
    ),
    Step(
        "pages/09_Scaling.py",
        "Scaling",
        "Scaling the feature",
        "standardising the feature makes the bowl round again",
        "⚖️",
    ),
    Step(
        "pages/10_Rinse_and_Repeat.py",
        "Rinse and Repeat",
        "Rinse and repeat",
        "run many epochs: batch, mini-batch and stochastic descent",
        "🔁",
    ),
)


def step(number: int) -> Step:
    """The step with this number (1 = the first)."""
    if not 1 <= number <= len(STEPS):
        raise ValueError(f"no step {number}: the steps run from 1 to {len(STEPS)}")
    return STEPS[number - 1]
