"""Given names and family names by country, for the demo data.

Family names that change with gender are written ``male/female`` (Kowalski/Kowalska).
Lists are common names, written as people of each country write them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NameList:
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]

    def family_name(self, index: int, *, female: bool) -> str:
        male_form, _sep, female_form = self.family[index % len(self.family)].partition("/")
        return female_form if female and female_form else male_form


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NAMES: dict[str, NameList] = {
    "HU": NameList(
        female=_words(
            "Anna Eszter Katalin Zsófia Judit Ágnes Éva Erzsébet Krisztina Andrea Mónika Edit Ildikó Nóra "
            "Réka Dóra Petra Viktória Lilla Boglárka Hanna Orsolya Tímea Gabriella Szilvia Beáta Emese Kinga "
            "Noémi Csilla Enikő Melinda Rita Zsuzsanna Ilona Mária"
        ),
        male=_words(
            "László István József Zoltán Sándor Gábor Ferenc Attila Péter Tamás Zsolt Balázs Dániel Ádám "
            "Bence Máté Levente Gergely Csaba Tibor Norbert Róbert Krisztián Miklós András Béla Imre Dávid "
            "Márton Botond Ákos Kristóf Benedek Áron Lajos Győző"
        ),
        family=_words(
            "Nagy Kovács Tóth Szabó Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács Juhász Lakatos "
            "Mészáros Oláh Simon Rácz Fekete Szilágyi Török Fehér Balázs Gál Kis Szűcs Kocsis Orsós Pintér "
            "Fodor Szalai Sipos Magyar Lukács Gulyás Biró Király Katona László Jakab Bogdán Balog Sándor Boros "
            "Fazekas Kelemen Antal Orosz Somogyi Fülöp Veres Budai Vincze Hegedűs Deák Pap Bálint Illés Pálfi"
        ),
    ),
    "TR": NameList(
        female=_words(
            "Ayşe Fatma Emine Hatice Zeynep Elif Merve Büşra Esra Özlem Sibel Derya Selin Ece Gizem Burcu "
            "Ebru Aslı Deniz Melike Nur Seda Tuğba Gamze Dilek Songül Pınar Hülya Canan Yasemin Şule Kübra "
            "İrem Damla Sevgi Nazlı"
        ),
        male=_words(
            "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer Ramazan Halil Süleyman "
            "Emre Burak Can Cem Kerem Serkan Volkan Onur Barış Tolga Hakan Kemal Oğuz Selim Uğur Tarık Erkan "
            "Gökhan Levent Batuhan Furkan Eren"
        ),
        family=_words(
            "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin "
            "Kara Koç Kurt Özkan Şimşek Polat Özcan Korkmaz Çakır Erdoğan Yavuz Can Acar Şen Aktaş Güler Yalçın "
            "Güneş Bozkurt Bulut Keskin Ünal Turan Gül Özer Işık Kaplan Avcı Sarı Tekin Taş Köse Yüksel Ateş "
            "Aksoy Karataş Tunç Erdem Başaran Uysal"
        ),
    ),
    "RU": NameList(
        female=_words(
            "Анна Мария Елена Ольга Наталья Татьяна Ирина Екатерина Светлана Юлия Анастасия Дарья Марина "
            "Людмила Галина Ксения Алина Виктория Полина Вероника Алёна Евгения Надежда Любовь Софья Валентина "
            "Кристина Елизавета Оксана Яна"
        ),
        male=_words(
            "Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Николай Владимир Артём Павел "
            "Роман Олег Виктор Игорь Денис Константин Юрий Антон Илья Кирилл Никита Григорий Борис Вадим "
            "Станислав Фёдор Георгий Тимур Егор"
        ),
        family=_words(
            "Иванов/Иванова Смирнов/Смирнова Кузнецов/Кузнецова Попов/Попова Васильев/Васильева "
            "Петров/Петрова Соколов/Соколова Михайлов/Михайлова Новиков/Новикова Фёдоров/Фёдорова "
            "Морозов/Морозова Волков/Волкова Алексеев/Алексеева Лебедев/Лебедева Семёнов/Семёнова "
            "Егоров/Егорова Павлов/Павлова Козлов/Козлова Степанов/Степанова Николаев/Николаева "
            "Орлов/Орлова Андреев/Андреева Макаров/Макарова Никитин/Никитина Захаров/Захарова "
            "Зайцев/Зайцева Соловьёв/Соловьёва Борисов/Борисова Яковлев/Яковлева Григорьев/Григорьева "
            "Романов/Романова Воробьёв/Воробьёва Сергеев/Сергеева Кузьмин/Кузьмина Фролов/Фролова "
            "Александров/Александрова Дмитриев/Дмитриева Королёв/Королёва Гусев/Гусева Киселёв/Киселёва "
            "Белов/Белова Тарасов/Тарасова Жуков/Жукова Беляев/Беляева Комаров/Комарова "
            "Вишневский/Вишневская Ковалевский/Ковалевская Черных Шевченко"
        ),
    ),
    "PL": NameList(
        female=_words(
            "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Magdalena Joanna Aleksandra "
            "Monika Zofia Natalia Julia Marta Beata Dorota Karolina Paulina Justyna Weronika Alicja Iwona "
            "Renata Sylwia Agata Hanna Dominika Patrycja Izabela Emilia"
        ),
        male=_words(
            "Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Jakub Adam Marek Łukasz Grzegorz Mateusz "
            "Wojciech Mariusz Dariusz Zbigniew Ryszard Kamil Maciej Rafał Robert Bartosz Sebastian Szymon "
            "Damian Dawid Przemysław Stanisław Jerzy Artur Filip Kacper"
        ),
        family=_words(
            "Nowak Kowalski/Kowalska Wiśniewski/Wiśniewska Wójcik Kowalczyk Kamiński/Kamińska "
            "Lewandowski/Lewandowska Zieliński/Zielińska Szymański/Szymańska Woźniak Dąbrowski/Dąbrowska "
            "Kozłowski/Kozłowska Jankowski/Jankowska Mazur Kwiatkowski/Kwiatkowska Krawczyk Piotrowski/Piotrowska "
            "Grabowski/Grabowska Nowakowski/Nowakowska Pawłowski/Pawłowska Michalski/Michalska "
            "Nowicki/Nowicka Adamczyk Dudek Zając Wieczorek Jabłoński/Jabłońska Król Majewski/Majewska "
            "Olszewski/Olszewska Jaworski/Jaworska Wróbel Malinowski/Malinowska Pawlak Witkowski/Witkowska "
            "Walczak Stępień Górski/Górska Rutkowski/Rutkowska Michalak Sikora Ostrowski/Ostrowska Baran "
            "Duda Szewczyk Tomaszewski/Tomaszewska Pietrzak Marciniak Wróblewski/Wróblewska Zalewski/Zalewska "
            "Jakubowski/Jakubowska Jasiński/Jasińska"
        ),
    ),
    "RO": NameList(
        female=_words(
            "Maria Elena Ioana Andreea Alexandra Mihaela Ana Cristina Gabriela Daniela Raluca Simona Irina "
            "Bianca Diana Roxana Alina Oana Laura Adriana Camelia Carmen Larisa Monica Corina Georgiana "
            "Florentina Denisa Teodora Iuliana Ramona Lavinia"
        ),
        male=_words(
            "Andrei Alexandru Ion Mihai Gheorghe Constantin Vasile Ștefan Florin Cristian Daniel Marius "
            "Adrian Ionuț Gabriel Bogdan Nicolae Dumitru Radu Sorin Cătălin Răzvan Lucian Ovidiu Vlad Dragoș "
            "Sebastian Cosmin Tudor Octavian Emil Valentin"
        ),
        family=_words(
            "Popescu Ionescu Popa Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Rusu Constantin Mihai "
            "Marin Munteanu Lazăr Florea Dinu Tudor Ene Stănescu Georgescu Diaconu Moldovan Barbu Nistor "
            "Toma Sandu Dobre Vasile Neagu Ilie Cristea Oprea Voicu Preda Lungu Manole Dragomir Iordache "
            "Enache Tănase Niculescu Vlad Căpraru Mocanu Anghel Bălan Avram Ursu Cojocaru Dumitrescu Șerban"
        ),
    ),
    "DE": NameList(
        female=_words(
            "Anna Julia Laura Lea Lena Sarah Katharina Sabine Petra Claudia Susanne Andrea Monika Stefanie "
            "Nicole Birgit Sandra Jana Franziska Johanna"
        ),
        male=_words(
            "Thomas Michael Andreas Stefan Christian Markus Frank Jürgen Matthias Klaus Wolfgang Alexander "
            "Tobias Florian Jan Lukas Sebastian Jonas Felix Uwe"
        ),
        family=_words(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer "
            "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange "
            "Schmitt Werner Krause Meier Lehmann"
        ),
    ),
    "AT": NameList(
        female=_words("Anna Maria Katharina Elisabeth Barbara Christina Theresa Sophie Magdalena Eva Julia Verena"),
        male=_words("Florian Lukas Markus Andreas Johann Josef Franz Georg Martin Stefan Gerhard Wolfgang"),
        family=_words(
            "Gruber Huber Wagner Müller Pichler Steiner Moser Mayer Hofer Leitner Berger Fuchs Eder Fischer "
            "Schmid Winkler Weber Schwarz Maier Reiter"
        ),
    ),
    "CZ": NameList(
        female=_words("Jana Eva Hana Anna Lenka Kateřina Lucie Věra Petra Martina Tereza Markéta Veronika Barbora"),
        male=_words("Jiří Jan Petr Josef Pavel Martin Tomáš Jaroslav Miroslav Zdeněk Václav Michal Lukáš Jakub"),
        family=_words(
            "Novák/Nováková Svoboda/Svobodová Novotný/Novotná Dvořák/Dvořáková Černý/Černá "
            "Procházka/Procházková Kučera/Kučerová Veselý/Veselá Horák/Horáková Němec/Němcová "
            "Marek/Marková Pospíšil/Pospíšilová Hájek/Hájková Král/Králová Jelínek/Jelínková"
        ),
    ),
    "SK": NameList(
        female=_words("Mária Anna Zuzana Katarína Eva Jana Lucia Martina Monika Veronika Andrea Ivana"),
        male=_words("Peter Ján Jozef Michal Martin Tomáš Marek Juraj Lukáš Milan Ľubomír Stanislav"),
        family=_words(
            "Horváth/Horváthová Kováč/Kováčová Varga/Vargová Tóth/Tóthová Nagy/Nagyová Baláž/Balážová "
            "Szabó/Szabóová Molnár/Molnárová Lukáč/Lukáčová Kollár/Kollárová Oravec/Oravcová Hudák/Hudáková"
        ),
    ),
    "GB": NameList(
        female=_words(
            "Olivia Amelia Emily Sophie Charlotte Jessica Hannah Lucy Grace Chloe Rebecca Sarah Emma Helen "
            "Claire Rachel Victoria Alice"
        ),
        male=_words(
            "Oliver James William Harry Jack George Thomas Charles Daniel Matthew David Richard Andrew Paul "
            "Mark Simon Edward Robert"
        ),
        family=_words(
            "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson "
            "Wright Walker White Edwards Hughes Green Hall Wood Harris Lewis Martin Jackson Clarke Clark "
            "Turner Hill Scott Cooper Morris"
        ),
    ),
}

# Cyrillic to Latin, for e-mail addresses and web addresses.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_OTHER = {"ß": "ss", "æ": "ae", "ø": "o", "ı": "i", "ł": "l", "đ": "d"}


def latin(text: str) -> str:
    """Lower-case ASCII letters and digits of `text`, for e-mail local parts and domains."""
    import unicodedata

    out = []
    for char in text.lower():
        char = _CYRILLIC.get(char, _OTHER.get(char, char))
        out.append(char)
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in ".-"))
