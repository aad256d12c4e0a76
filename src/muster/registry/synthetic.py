"""A deterministic, realistic synthetic population for demos, tests and benchmarks.

Russian names, every district of the pack, and the age spread of the
Russian population (Rosstat 2023, five-year bands). The same seed, count
and as-of date always give the same file, however many processes write it:
rows come in fixed chunks, each drawn from a random stream of its own
(chunk 0 from the seed itself), so chunks can be made in parallel.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from muster.rules.national_id import SnilsScheme, snils_check_digits
from muster.rules.person_record import PERSON_COLUMNS
from muster.rules.policy import Pack

# (from age, to age inclusive, share of the population in per mille), ages 16 to 79.
AGE_BANDS = [(16, 19, 52), (20, 24, 46), (25, 29, 48), (30, 34, 66), (35, 39, 81), (40, 44, 74),
             (45, 49, 67), (50, 54, 62), (55, 59, 65), (60, 64, 73), (65, 69, 66), (70, 74, 49),
             (75, 79, 28)]

MALE_SURNAMES = ["Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasilyev", "Petrov", "Sokolov", "Mikhailov", "Novikov", "Fedorov", "Morozov", "Volkov", "Alekseev", "Lebedev", "Semenov", "Egorov", "Pavlov", "Kozlov", "Stepanov", "Nikolaev", "Orlov", "Andreev", "Makarov", "Nikitin", "Zakharov", "Zaitsev", "Soloviev", "Borisov", "Yakovlev", "Grigoriev", "Romanov", "Vorobiev", "Sergeev", "Kuzmin", "Frolov", "Alexandrov", "Dmitriev", "Korolev", "Gusev", "Kiselev"]
SURNAMES_RU = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Федоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семенов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьев", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьев", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королев", "Гусев", "Киселев"]
MALE_NAMES = ["Александр", "Алексей", "Андрей", "Артём", "Владимир", "Дмитрий", "Евгений", "Иван", "Илья", "Кирилл", "Максим", "Михаил", "Никита", "Николай", "Павел", "Роман", "Сергей", "Тимофей", "Фёдор", "Ярослав", "Матвей", "Егор", "Даниил"]
MALE_LATIN = ["aleksandr", "aleksei", "andrei", "artem", "vladimir", "dmitrii", "evgenii", "ivan", "ilia", "kirill", "maksim", "mikhail", "nikita", "nikolai", "pavel", "roman", "sergei", "timofei", "fedor", "iaroslav", "matvei", "egor", "daniil"]
FEMALE_NAMES = ["Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Екатерина", "Светлана", "Юлия", "Дарья", "Анастасия", "Полина", "Виктория", "Ксения", "Софья", "Алиса", "Вера"]
FEMALE_LATIN = ["anna", "mariia", "elena", "olga", "tatiana", "natalia", "irina", "ekaterina", "svetlana", "iuliia", "daria", "anastasiia", "polina", "viktoriia", "kseniia", "sofia", "alisa", "vera"]
FATHER_NAMES = ["Александр", "Алексей", "Андрей", "Владимир", "Дмитрий", "Евгений", "Иван", "Михаил", "Николай", "Павел", "Сергей", "Юрий", "Виктор", "Олег", "Игорь", "Геннадий", "Анатолий"]
STREETS = ["Ленина", "Мира", "Советская", "Школьная", "Садовая", "Молодёжная", "Лесная", "Центральная", "Набережная", "Гагарина", "Пушкина", "Победы", "Заводская", "Новая", "Полевая"]
MAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "rambler.ru", "bk.ru")

_SNILS_LO, _SNILS_HI = 1_002_000, 999_999_999
_SNILS_SPAN = _SNILS_HI - _SNILS_LO + 1
_STRIDE = 611_953_723  # coprime to the span: i -> number is a permutation

CHUNK = 100_000  # rows per random stream; fixed, so the file never depends on the number of processes
BAD_KINDS = ("checksum", "district", "date", "email", "sex", "missing_name", "citizenship")


def _patronymic(father: str, male: bool) -> str:
    base = {"Алексей": "Алексе", "Андрей": "Андре", "Евгений": "Евгень", "Николай": "Никола",
            "Сергей": "Серге", "Юрий": "Юрь", "Анатолий": "Анатоль", "Геннадий": "Геннадь"}
    stem = base.get(father)
    if stem:
        return stem + ("евич" if male else "евна")
    father = {"Павел": "Павл", "Михаил": "Михайл"}.get(father, father)
    return father + ("ович" if male else "овна")


def _female(surname: str) -> str:
    return surname + "а"


class Generator:
    def __init__(self, pack: Pack, seed: int, as_of: date, bad_share: float = 0.0, cohort: str = "population"):
        """cohort "population": everyone, with the real age spread; "conscripts": men aged 19 to 26,
        citizens, all alive (for benchmarks that need many liable people)."""
        self.pack, self.seed, self.as_of, self.bad_share = pack, seed, as_of, bad_share
        self.conscripts = cohort == "conscripts"
        codes = [d.code for d in pack.districts]
        weights = [d.daily_capacity for d in pack.districts]
        self.districts, self.district_weights = codes, weights
        self.offset = random.Random(seed * 7919 + 1).randrange(_SNILS_SPAN)
        self.band_weights = [w for _, _, w in AGE_BANDS]
        self.snils = isinstance(pack.id_scheme, SnilsScheme)

    def national_id(self, i: int) -> str:
        number = _SNILS_LO + (self.offset + i * _STRIDE) % _SNILS_SPAN
        if self.snils:
            return f"{number:09d}{snils_check_digits(number):02d}"
        return f"{number:09d}"

    def stream(self, chunk: int) -> random.Random:
        """The random stream of rows [chunk * CHUNK, (chunk + 1) * CHUNK); chunk 0 is seeded with the
        seed itself, so files of up to CHUNK rows are those earlier versions wrote."""
        return random.Random(self.seed if chunk == 0 else f"{self.seed}:{chunk}")

    def row(self, i: int, rng: random.Random) -> list[str]:
        male = self.conscripts or rng.random() < 0.5
        surname_i = rng.randrange(len(SURNAMES_RU))
        family = SURNAMES_RU[surname_i] if male else _female(SURNAMES_RU[surname_i])
        if male:
            given_i = rng.randrange(len(MALE_NAMES))
            given, latin = MALE_NAMES[given_i], MALE_LATIN[given_i]
        else:
            given_i = rng.randrange(len(FEMALE_NAMES))
            given, latin = FEMALE_NAMES[given_i], FEMALE_LATIN[given_i]
        lo, hi, _ = (19, 26, 0) if self.conscripts else rng.choices(AGE_BANDS, weights=self.band_weights)[0]
        age_days = rng.randrange(lo * 365 + 1, (hi + 1) * 365 - 1)
        birth = self.as_of - timedelta(days=age_days)
        death = ""
        if hi >= 60 and rng.random() < 0.02:
            death = (birth + timedelta(days=rng.randrange(50 * 365, age_days))).isoformat()
        district = rng.choices(self.districts, weights=self.district_weights)[0]
        email = (f"{latin}.{MALE_SURNAMES[surname_i].lower()}{rng.randrange(1, 999)}@"
                 f"{rng.choice(MAIL_DOMAINS)}" if rng.random() < 0.7 else "")
        phone = f"+79{rng.randrange(10**8, 10**9):09d}" if rng.random() < 0.85 else ""
        address = (f"ул. {rng.choice(STREETS)}, д. {rng.randrange(1, 120)}, кв. {rng.randrange(1, 300)}")
        row = [
            self.national_id(i), family, given,
            _patronymic(rng.choice(FATHER_NAMES), male), "M" if male else "F", birth.isoformat(), death,
            "RU" if self.conscripts or rng.random() < 0.985 else rng.choice(("BY", "KZ", "UA", "AM", "UZ")),
            district, address, f"{rng.randrange(101000, 693000):06d}", email, phone,
            "true" if rng.random() < 0.6 else "false",
        ]
        if self.bad_share and rng.random() < self.bad_share:
            self._spoil(row, rng.choice(BAD_KINDS))
        return row

    @staticmethod
    def _spoil(row: list[str], kind: str) -> None:
        if kind == "checksum":
            row[0] = row[0][:9] + f"{(int(row[0][9:]) + 1) % 100:02d}"
        elif kind == "district":
            row[8] = "RU-XXX"
        elif kind == "date":
            row[5] = "1999-02-30"
        elif kind == "email":
            row[11] = "not-an-email"
        elif kind == "sex":
            row[4] = "X"
        elif kind == "missing_name":
            row[2] = ""
        elif kind == "citizenship":
            row[7] = "ZZ"

    def chunk_rows(self, chunk: int, count: int) -> list[list[str]]:
        rng = self.stream(chunk)
        return [self.row(i, rng) for i in range(chunk * CHUNK, min(count, (chunk + 1) * CHUNK))]

    def rows(self, count: int) -> Iterator[list[str]]:
        for chunk in range(_chunks(count)):
            yield from self.chunk_rows(chunk, count)


def _chunks(count: int) -> int:
    return -(-count // CHUNK)


def _csv_chunk(gen: Generator, chunk: int, count: int) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(gen.chunk_rows(chunk, count))
    return out.getvalue()


def _columns_chunk(gen: Generator, chunk: int, count: int) -> list[list[str]]:
    return list(map(list, zip(*gen.chunk_rows(chunk, count), strict=True)))


def _in_order(work: Callable[[Generator, int, int], object], gen: Generator, count: int,
              jobs: int) -> Iterator[object]:
    """Each chunk's result, in order; with jobs > 1 made by that many processes."""
    chunks = range(_chunks(count))
    if jobs <= 1 or len(chunks) <= 1:
        yield from (work(gen, c, count) for c in chunks)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        # At most 2 * jobs chunks in flight: memory stays bounded for any count.
        pending = [pool.submit(work, gen, c, count) for c in chunks[:2 * jobs]]
        for c in chunks[2 * jobs:]:
            yield pending.pop(0).result()
            pending.append(pool.submit(work, gen, c, count))
        for future in pending:
            yield future.result()


def write(path: Path, gen: Generator, count: int, progress: Callable[[int], None] | None = None,
          jobs: int = 1) -> int:
    """Write `count` rows as CSV, or as Parquet if the name ends in .parquet, the chunks made by
    `jobs` processes (the same bytes for any `jobs`)."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return _write_parquet(path, gen, count, progress, jobs)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(PERSON_COLUMNS)
        for chunk, text in enumerate(_in_order(_csv_chunk, gen, count, jobs)):
            f.write(str(text))
            if progress is not None:
                progress(min(count, (chunk + 1) * CHUNK))
    return count


def _write_parquet(path: Path, gen: Generator, count: int,
                   progress: Callable[[int], None] | None, jobs: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.string()) for c in PERSON_COLUMNS])
    with pq.ParquetWriter(path, schema) as writer:
        for chunk, columns in enumerate(_in_order(_columns_chunk, gen, count, jobs)):
            if columns:
                writer.write_table(pa.table(columns, schema=schema))
            if progress is not None:
                progress(min(count, (chunk + 1) * CHUNK))
    return count
