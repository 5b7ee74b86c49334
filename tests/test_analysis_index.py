"""The one page for the whole study: how each study is described."""

import pytest

from analysis.tools.index import description

FILE = '''# The main study: full MNIST, 200 epochs, four activations, seven
# learning rates. The rates were scouted first.
name = "main"
{line}
[base]
epochs = 200
'''


@pytest.mark.parametrize("line, described", [
    ('description = "Stage 1: 4 activations x 7 rates"', "Stage 1: 4 activations x 7 rates"),
    ("", "The main study: full MNIST, 200 epochs, four activations, seven learning rates"),  # the whole sentence
    ("description = [", "The main study: full MNIST, 200 epochs, four activations, seven learning rates"),
])
def test_a_study_is_described_by_its_files_description_or_its_first_comment_sentence(line, described):
    assert description({"experiment": {"name": "main", "text": FILE.format(line=line)}}) == described
    assert description({}) == ""
