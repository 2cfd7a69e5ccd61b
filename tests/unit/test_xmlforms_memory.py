"""A file of 200,000 forms is read with the memory of a file of 20,000: the reader holds one
form at a time. Each reading runs in a process of its own, which reports the peak of
Python's allocations (tracemalloc) and its peak resident size (libxml2's trees are outside
tracemalloc's view). Two controls show that both measures see what is held: keeping the
results, and parsing the whole file as one tree."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.unit.xmlforms_cases import HEADER

ROOT = Path(__file__).resolve().parents[2]
FORM = ("<Form>" + HEADER + "<DimonaIn><StartingDate>2026-07-08</StartingDate><StartingHour>"
        "0800</StartingHour><EndingDate>2026-07-08</EndingDate><EndingHour>1400</EndingHour>"
        "<EmployerId><NOSSRegistrationNbr>175110801</NOSSRegistrationNbr></EmployerId>"
        "<NaturalPerson><INSS>{ssin:011d}</INSS></NaturalPerson><DimonaFeatures>"
        "<JointCommissionNbr>XXX</JointCommissionNbr><WorkerType>FLX</WorkerType>"
        "</DimonaFeatures></DimonaIn></Form>\n")
MEASURE = textwrap.dedent("""
    import json, resource, sys, tracemalloc
    from lxml import etree
    from services.intake.xmlforms import read_dimona

    path, mode = sys.argv[1], sys.argv[2]
    tracemalloc.start()
    kept, forms = [], 0
    if mode == "tree":
        forms = len(etree.parse(path).getroot())
    else:
        with open(path, "rb") as stream:
            for result in read_dimona(stream):
                assert result.declaration is not None, result.error
                forms += 1
                if mode == "keep":
                    kept.append(result)
    # VmHWM: this process's own peak (ru_maxrss would count the parent's, taken at fork)
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"forms": forms, "python_peak": tracemalloc.get_traced_memory()[1],
                      "max_rss": peak * 1024}))
""")
MB = 1 << 20


def write_file(path: Path, forms: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<Dimona>\n')
        for i in range(forms):
            out.write(FORM.format(ssin=85073003328 + i))
        out.write("</Dimona>\n")
    return path


def measure(path: Path, mode: str = "read") -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path), mode], cwd=ROOT,
                          capture_output=True, text=True, timeout=540, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("xmlforms-memory")
    return {n: write_file(folder / f"forms-{n}.xml", n) for n in (20_000, 200_000)}


def test_memory_stays_flat_from_20000_to_200000_forms(files):
    small, big = measure(files[20_000]), measure(files[200_000])
    figures = (f"20,000 forms: Python peak {small['python_peak'] / MB:.2f} MiB, "
               f"max RSS {small['max_rss'] / MB:.1f} MiB; 200,000 forms ("
               f"{files[200_000].stat().st_size / MB:.0f} MiB of XML): Python peak "
               f"{big['python_peak'] / MB:.2f} MiB, max RSS {big['max_rss'] / MB:.1f} MiB")
    print(figures)
    assert (small["forms"], big["forms"]) == (20_000, 200_000)
    assert big["python_peak"] < small["python_peak"] * 1.5 + MB, figures
    assert big["max_rss"] < small["max_rss"] + 16 * MB, figures


def test_the_measures_see_what_is_held(files):
    """The controls: the same measures grow when results are kept (tracemalloc) or when
    the whole file is one tree (resident size), so the test above can fail."""
    read, kept = measure(files[20_000]), measure(files[20_000], "keep")
    tree = measure(files[20_000], "tree")
    print(f"20,000 forms kept: Python peak {kept['python_peak'] / MB:.1f} MiB; whole tree: "
          f"max RSS {tree['max_rss'] / MB:.1f} MiB")
    assert kept["python_peak"] > read["python_peak"] * 10
    assert tree["max_rss"] > read["max_rss"] + 24 * MB
