"""The built-in question bank (Swedish, Norwegian Bokmål, English). Each organisation
gets its own copy (``actions.ensure_question_bank``) and may switch questions off."""

from __future__ import annotations

from typing import NamedTuple


class BankQuestion(NamedTuple):
    code: str
    category: str
    kind: str
    sv: str
    nb: str
    en: str


BANK: list[BankQuestion] = [
    BankQuestion(
        "mood",
        "wellbeing",
        "scale",
        "Hur har du mått i arbetet den här veckan?",
        "Hvordan har du hatt det på jobb denne uken?",
        "How have you been feeling at work this week?",
    ),
    BankQuestion(
        "energy",
        "wellbeing",
        "scale",
        "Hur mycket energi har du haft kvar efter arbetsdagen?",
        "Hvor mye energi har du hatt igjen etter arbeidsdagen?",
        "How much energy have you had left after the working day?",
    ),
    BankQuestion(
        "alone",
        "wellbeing",
        "scale",
        "Jag har känt mig som en del av laget den här veckan.",
        "Jeg har følt meg som en del av laget denne uken.",
        "I have felt part of the team this week.",
    ),
    BankQuestion(
        "workload",
        "workload",
        "scale",
        "Min arbetsbelastning har varit rimlig.",
        "Arbeidsmengden min har vært rimelig.",
        "My workload has been reasonable.",
    ),
    BankQuestion(
        "breaks",
        "workload",
        "scale",
        "Jag har hunnit ta mina raster.",
        "Jeg har rukket å ta pausene mine.",
        "I have had time to take my breaks.",
    ),
    BankQuestion(
        "pace",
        "workload",
        "scale",
        "Jag hinner ge invånarna ett bra bemötande.",
        "Jeg rekker å gi innbyggerne god service.",
        "I have time to treat residents well.",
    ),
    BankQuestion(
        "equipment",
        "remote",
        "scale",
        "Min utrustning hemma (headset, skärm, uppkoppling) fungerar bra.",
        "Utstyret mitt hjemme (hodesett, skjerm, nett) fungerer godt.",
        "My equipment at home (headset, screen, connection) works well.",
    ),
    BankQuestion(
        "workplace",
        "remote",
        "scale",
        "Min arbetsplats hemma är bra för kroppen.",
        "Arbeidsplassen min hjemme er god for kroppen.",
        "My workplace at home is good for my body.",
    ),
    BankQuestion(
        "help",
        "remote",
        "scale",
        "Jag får snabbt hjälp när jag fastnar i ett ärende.",
        "Jeg får raskt hjelp når jeg står fast i en sak.",
        "I get help quickly when I am stuck on a case.",
    ),
    BankQuestion(
        "informed",
        "leadership",
        "scale",
        "Jag får den information jag behöver i tid.",
        "Jeg får informasjonen jeg trenger i tide.",
        "I get the information I need in time.",
    ),
    BankQuestion(
        "heard",
        "leadership",
        "scale",
        "Min chef lyssnar på mig.",
        "Lederen min lytter til meg.",
        "My manager listens to me.",
    ),
    BankQuestion(
        "feedback",
        "leadership",
        "scale",
        "Jag får återkoppling på mitt arbete.",
        "Jeg får tilbakemelding på arbeidet mitt.",
        "I get feedback on my work.",
    ),
    BankQuestion(
        "enps",
        "enps",
        "enps",
        "Hur troligt är det att du skulle rekommendera oss som arbetsplats till en vän?",
        "Hvor sannsynlig er det at du vil anbefale oss som arbeidsplass til en venn?",
        "How likely is it that you would recommend us as a workplace to a friend?",
    ),
]
