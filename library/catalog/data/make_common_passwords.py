"""Writes library/catalog/data/common_passwords.txt: guessable passwords the sign-in refuses.

The list is built here from what people are known to choose — a common
word, name, team or season followed by a year or a run of digits, keyboard
walks, repeated and counted digits, a few leetspeak spellings — so it can be
regenerated and reviewed instead of trusted as an opaque download. Only
entries of at least 10 characters are kept, since shorter ones are refused
by length anyway. Run: ``python library/catalog/data/make_common_passwords.py``.
"""

from __future__ import annotations

from pathlib import Path

TARGET = Path(__file__).resolve().parent / "common_passwords.txt"
MIN_LENGTH = 10


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    """
password passwort passw0rd motdepasse contrasena senha wachtwoord salasana
iloveyou loveyou ihateyou imissyou loveme lovely mylove lover sweetheart babygirl
princess prince angel angels blessed jesus jesuschrist heaven god goodluck
sunshine rainbow butterfly flower flowers daisy rose lily jasmine
football baseball basketball soccer hockey tennis golf cricket rugby volleyball
dragon dragons monkey tiger lion eagle falcon shark wolf panther cobra phoenix
shadow master superman batman spiderman ironman hulk pokemon pikachu naruto goku
starwars jedi skywalker matrix gandalf hobbit zelda mario minecraft fortnite
roblox gaming gamer player warcraft starcraft diablo halo
trustno1 letmein welcome hello hellothere admin administrator root login access
secret changeme default guest user test testing temp temporary
qwerty asdf zxcv abc abcd abcdef
michael jennifer jordan hunter ranger buster tigger charlie robert thomas daniel
andrew joshua matthew jessica ashley amanda nicole michelle hannah sarah emily
elizabeth samantha anthony william richard joseph christopher david james john
george harry oliver jack sophie chloe emma olivia lucas maria anna laura julia
alexander alexandra victoria natalie stephanie jonathan benjamin nicholas
liverpool arsenal chelsea manchester barcelona madrid juventus milan bayern
celtic rangers yankees lakers cowboys steelers packers redsox dodgers
summer winter spring autumn january february march april june july august
september october november december monday tuesday friday sunday weekend
orange banana apple cherry lemon peaches strawberry chocolate cookie cookies
cheese pepper ginger honey sugar candy coffee pizza whiskey
computer internet laptop desktop keyboard mouse windows linux ubuntu android
iphone samsung google facebook twitter instagram microsoft
freedom whatever nothing everything forever always together friends family
mother father mommy daddy sister brother children
baby babies kitty kitten puppy doggy snoopy garfield scooby
black white purple yellow silver golden diamond crystal
money dollar million bitcoin lucky winner champion killer
london paris berlin newyork chicago boston texas florida california
america canada australia england ireland scotland germany france
photo photos photodesk newsroom newspaper camera editor reporter journalist
picture pictures gallery archive captions
"""
)

PHRASES = _words(
    """
letmein letmeinnow iloveyou iloveyousomuch iloveyouforever welcome welcomehome
trustnoone trustno1 opensesame sesame passwordpassword qwertyqwerty
helloworld goodmorning goodnight happybirthday happydays merrychristmas
whatsup nevergiveup dontforget youwillnever iamthebest imthebest
changeme changemenow pleaseletmein letmein123 administrator superuser
rootpassword adminadmin adminpassword guestguest testtest testpassword
mypassword yourpassword thepassword newpassword oldpassword secretpassword
mysecret topsecret supersecret privatepassword
"""
)

KEYBOARD = _words(
    """
qwertyuiop qwertyuiop[] qwertyuiop[]\\ asdfghjkl asdfghjkl; asdfghjkl;' zxcvbnm,./
1qaz2wsx 1qaz2wsx3edc 1qaz2wsx3edc4rfv 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1q2w3e4r5t6y7u
q1w2e3r4 q1w2e3r4t5 q1w2e3r4t5y6 qazwsxedc qazwsxedcrfv zaq12wsx zaq1xsw2 zaq1zaq1
!qaz@wsx !qaz2wsx 1qazxsw2 1qaz@wsx 2wsx3edc qwer1234 1234qwer asdf1234 1234asdf
zxcv1234 qwerasdf qwerasdfzxcv asdfqwer qweasdzxc qweasd123 zxcvbnm123 qwerty1234
qwerty12345 qwerty123456 qwertyui qwertyu1 asdfghjk azertyuiop azerty123 qwertz123
qwertzuiop poiuytrewq lkjhgfdsa mnbvcxz 0987654321 0987poiu poiu0987 1234rewq
abcdefghij abcdefghijk abcdefghijkl abcdefg123 abc123456789 abcd123456 abcde12345
a1b2c3d4e5 a1b2c3d4e5f6 1a2b3c4d5e 123qweasdzxc 147258369 159357159357 741852963
789456123 963852741 1478963250 7894561230 3692581470 159753258456
"""
)

SUFFIXES = [
    "",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "123456",
    "!",
    "1!",
    "123!",
    "01",
    "69",
    "007",
    # The year a password was set, which people append when forced to change it.
    *[str(year) for year in range(2018, 2027)],
]

LEET = str.maketrans({"a": "@", "o": "0", "e": "3", "i": "1", "s": "$"})


def digit_runs() -> set[str]:
    """Repeated, counted and mirrored digits of every length from 10 to 16."""
    runs: set[str] = set()
    for digit in "0123456789":
        for length in range(MIN_LENGTH, 17):
            runs.add(digit * length)
    counting = "1234567890" * 2
    for start in range(10):
        for length in range(MIN_LENGTH, 17):
            runs.add(counting[start : start + length])
            runs.add(counting[start : start + length][::-1])
    for block in ("12", "123", "1234", "12345", "112233", "121212", "123321", "2580", "147"):
        text = block
        while len(text) < 16:
            text += block
            if len(text) >= MIN_LENGTH:
                runs.add(text)
    for half in ("12345", "123456", "54321", "11111"):
        runs.add(half + half[::-1])
    return runs


def candidates() -> set[str]:
    words = set(WORDS) | set(PHRASES)
    found: set[str] = set()
    for word in words:
        for suffix in SUFFIXES:
            found.add(word + suffix)
        found.add(word + word)
        leet = word.translate(LEET)
        if leet != word:
            for suffix in ("", "1", "123", "!", "123!", "2024", "2025"):
                found.add(leet + suffix)
    for pattern in KEYBOARD:
        for suffix in ("", "1", "!", "123"):
            found.add(pattern + suffix)
    found |= digit_runs()
    return {entry.lower() for entry in found if len(entry) >= MIN_LENGTH}


def main() -> None:
    entries = sorted(candidates())
    header = [
        "# Passwords photodesk refuses: generated by library/catalog/data/make_common_passwords.py.",
        "# One a line, lower case; checked case-insensitively. Lines starting with # are comments.",
    ]
    TARGET.write_text("\n".join(header + entries) + "\n", encoding="utf-8")
    print(f"{len(entries)} entries written to {TARGET}")


if __name__ == "__main__":
    main()
