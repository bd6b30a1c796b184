"""Build step that puts the course files inside the package (everything else is in pyproject.toml).

A wheel (`pip install .`, `pip wheel .`, `python -m build`) gets `threelevels/_course/` holding
seeds/, the exercise banks and workbooks, and the lessons: the same files `threelevels.data.root()`
finds in a checkout. The answer keys (instructors/) are never copied. An editable install copies
nothing: the checkout itself is the course folder there, so authors see their edits at once.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# folder -> the file patterns of it that ship (keep in step with MANIFEST.in and tests/test_wheel.py)
COURSE_FILES = {
    "seeds": ("*.toml", "*.csv", "*.txt", "*.md"),
    "exercises": ("[0-9][0-9]-*.toml", "[0-9][0-9]-*.ipynb"),
    "lessons": ("[0-9][0-9]-*.ipynb", "glossary.md"),
}


class build_py_with_course(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "threelevels" / "_course"
        copied = 0
        for folder, patterns in COURSE_FILES.items():
            for pattern in patterns:
                for src in sorted((HERE / folder).glob(pattern)):
                    dest = target / folder / src.name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    self.copy_file(str(src), str(dest))
                    copied += 1
        if not (target / "seeds" / "claims.toml").is_file():
            raise SystemExit(f"setup.py: no course files found next to {HERE / 'setup.py'} "
                             "(seeds/claims.toml is missing); build from a checkout or an sdist")
        self.announce(f"copied {copied} course files into {target}", level=2)


setup(cmdclass={"build_py": build_py_with_course})
