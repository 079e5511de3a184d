"""Biblioteka po polsku: dla klucza (cel, po co, ((kluczowy rezultat, jednostka), ...))."""

TEXTS = {
    "sales-midmarket": (
        "Zdobyć rynek średnich firm",
        "Transakcje ze średnimi firmami są najbardziej rentowne, a cykl sprzedaży jest tam zbyt długi.",
        (
            ("Zwiększyć lejek średnich firm z 1,2 do 3 mln", "mln"),
            ("Podnieść odsetek wygranych transakcji ze średnimi firmami z 18% do 28%", "%"),
            ("Skrócić cykl sprzedaży do średnich firm z 90 do 60 dni", "dni"),
        ),
    ),
    "sales-expansion": (
        "Rosnąć razem z klientami, którzy już nas lubią",
        "Sprzedaż zadowolonemu klientowi kosztuje jedną piątą pozyskania nowego.",
        (
            ("Podnieść udział przychodu z dosprzedaży z 10% do 25%", "%"),
            ("Podnieść retencję przychodu netto z 105% do 120%", "%"),
            ("Zwiększyć liczbę klientów z co najmniej dwoma produktami z 40 do 70", "klientów"),
        ),
    ),
    "sales-new-region": (
        "Stać się marką znaną kupującym w Skandynawii",
        "Trzej nasi najwięksi klienci rozwijają się tam i proszą o lokalnego partnera.",
        (
            ("Zwiększyć liczbę płacących klientów w Skandynawii z 0 do 20", "klientów"),
            ("Zwiększyć lejek w Skandynawii z 0 do 400 tys.", "tys."),
            (
                "Zwiększyć liczbę rozmów referencyjnych ze skandynawskimi kupującymi z 0 do 30",
                "rozmów",
            ),
        ),
    ),
    "sales-win-rate": (
        "Przestać przegrywać transakcje, które powinniśmy wygrać",
        "Połowę transakcji w końcowej fazie oddajemy konkurentowi ze słabszym produktem.",
        (
            ("Podnieść odsetek wygranych w końcowej fazie z 15% do 25%", "%"),
            ("Obniżyć odsetek transakcji przegranych ceną z 35% do 20%", "%"),
            ("Podnieść odsetek transakcji ze wspólnym planem zamknięcia z 60% do 90%", "%"),
        ),
    ),
    "sales-forecast": (
        "Prognoza sprzedaży, której ufa zarząd",
        "Przez trzy ostatnie kwartały prognoza myliła się o jedną trzecią, a plany zatrudnienia szły za nią.",
        (
            ("Obniżyć błąd prognozy z 30% do 10%", "%"),
            ("Podnieść odsetek transakcji z datą następnego kroku w CRM z 50% do 90%", "%"),
            ("Podnieść odsetek handlowców przeglądających lejek co tydzień z 0% do 100%", "%"),
        ),
    ),
    "sales-partners": (
        "Partnerzy jako prawdziwy kanał sprzedaży",
        "Transakcje od partnerów zamykają się dwa razy szybciej, ale przynosi je niewielu partnerów.",
        (
            ("Zwiększyć liczbę aktywnych partnerów z 3 do 12", "partnerów"),
            ("Podnieść udział przychodu od partnerów z 5% do 20%", "%"),
            ("Zwiększyć liczbę transakcji od partnerów z 0 do 15", "transakcji"),
        ),
    ),
    "sales-onboarding-reps": (
        "Nowi handlowcy sprzedają już w pierwszym kwartale",
        "Nowy handlowiec potrzebuje pół roku do pierwszej transakcji, a zatrudniamy dziesięciu.",
        (
            ("Skrócić czas do pierwszej transakcji nowego handlowca z 6 do 3 miesięcy", "mies."),
            (
                "Podnieść odsetek nowych handlowców z realizacją planu w czwartym miesiącu z 40% do 80%",
                "%",
            ),
            ("Podnieść odsetek nowych handlowców z certyfikatem z demo z 50% do 85%", "%"),
        ),
    ),
    "sales-renewals": (
        "Odnowienia nie są dla nas zaskoczeniem",
        "Spóźnione odnowienia kosztują nas rabaty, a co dziesiąte kończy się odejściem.",
        (
            ("Podnieść wskaźnik odnowień z 82% do 92%", "%"),
            ("Obniżyć odsetek odnowień zamkniętych po terminie z 20% do 8%", "%"),
            ("Podnieść odsetek odnowień wieloletnich z 0% do 30%", "%"),
        ),
    ),
    "sales-counter": (
        "Zwiększyć przychód o 20%",
        "",
        (("Wykonywać 50 telefonów dziennie", "telefonów"), ("Aktualizować CRM", "")),
    ),
    "mkt-qualified-leads": (
        "Wypełnić lejek kupującymi, którzy są gotowi",
        "Sprzedaż spędza pół tygodnia na leadach, które nigdy nie miały budżetu.",
        (
            (
                "Zwiększyć liczbę leadów kwalifikowanych sprzedażowo z 200 do 450 miesięcznie",
                "leadów",
            ),
            ("Podnieść konwersję leada w szansę z 8% do 14%", "%"),
            ("Obniżyć koszt kwalifikowanego leada ze 120 do 80", "EUR"),
        ),
    ),
    "mkt-brand": (
        "Stać się nazwą, o której inżynierowie myślą najpierw",
        "Kupujący wpisują na krótką listę narzędzia, które ich inżynierowie już znają.",
        (
            ("Podnieść spontaniczną znajomość marki wśród docelowych inżynierów z 12% do 25%", "%"),
            ("Zwiększyć liczbę subskrybentów newslettera z 3000 do 9000", "subskrybentów"),
            ("Zwiększyć liczbę wzmianek liderów opinii z 5 do 15 miesięcznie", "wzmianek"),
        ),
    ),
    "mkt-content": (
        "Nasz blog miejscem, gdzie kupujący uczą się wybierać",
        "Kupujący czytają pięć artykułów, zanim porozmawiają ze sprzedażą, a dziś czytają artykuły konkurencji.",
        (
            (
                "Zwiększyć ruch organiczny na blogu z 8000 do 15000 odwiedzających miesięcznie",
                "odwiedzających",
            ),
            ("Podnieść konwersję odwiedzających blog w rejestracje z 1,2% do 2%", "%"),
            ("Podnieść odsetek rejestracji po przeczytaniu artykułu z 20% do 60%", "%"),
        ),
    ),
    "mkt-events": (
        "Wydarzenia zamieniają się w lejek, a nie w identyfikatory",
        "Jedną trzecią budżetu wydajemy na wydarzenia i nie potrafimy wskazać żadnej transakcji z nich.",
        (
            ("Zwiększyć liczbę spotkań umówionych na wydarzeniach z 50 do 200", "spotkań"),
            ("Zwiększyć liczbę transakcji z wydarzeń z 5 do 15", "transakcji"),
            ("Podnieść odsetek leadów z wydarzeń obsłużonych w dwa dni z 60% do 80%", "%"),
        ),
    ),
    "mkt-activation": (
        "Nowi użytkownicy widzą wartość pierwszego dnia",
        "Większość okresów próbnych nigdy nie dochodzi do momentu, w którym produkt nabiera sensu.",
        (
            ("Podnieść aktywację użytkowników próbnych z 20% do 35%", "%"),
            ("Skrócić czas do pierwszego raportu z 7 do 2 dni", "dni"),
            ("Podnieść odsetek kont próbnych zapraszających współpracownika z 40% do 60%", "%"),
        ),
    ),
    "mkt-seo": (
        "Znajdują nas, gdy szukają rozwiązania naszego problemu",
        "Kupujący szukają problemu, a nie naszej nazwy, i znajdują konkurencję.",
        (
            ("Zwiększyć liczbę docelowych fraz na pierwszej stronie z 5 do 25", "fraz"),
            (
                "Zwiększyć ruch z wyszukiwarki bez nazwy marki z 4000 do 12000 miesięcznie",
                "odwiedzających",
            ),
            ("Podnieść konwersję z wyszukiwarki w okres próbny z 1,5% do 3%", "%"),
        ),
    ),
    "mkt-referrals": (
        "Zadowoleni klienci naszymi najlepszymi marketerami",
        "Klienci z polecenia kupują szybciej i zostają dłużej niż inni.",
        (
            ("Podnieść udział nowych klientów z poleceń z 5% do 20%", "%"),
            ("Zwiększyć liczbę publicznych opinii z 2 do 6 miesięcznie", "opinii"),
            ("Zwiększyć liczbę klientów w programie poleceń ze 100 do 400", "klientów"),
        ),
    ),
    "mkt-pricing-page": (
        "Strona z cennikiem odpowiada na pytania kupujących",
        "Większość odwiedzających opuszcza stronę z cennikiem na rzecz konkurencji.",
        (
            ("Podnieść konwersję strony z cennikiem w okres próbny z 2% do 4%", "%"),
            ("Obniżyć odsetek wyjść ze strony z cennikiem z 60% do 40%", "%"),
            ("Podnieść odsetek próśb o demo z podanym planem z 10% do 25%", "%"),
        ),
    ),
    "mkt-counter": (
        "Uruchomić nową stronę internetową",
        "Nasza strona wygląda przestarzale.",
        (("Opublikować nową stronę", ""), ("Przeprowadzić trzy kampanie", "")),
    ),
    "ops-on-time": (
        "Każdy klient dostaje zamówienie wtedy, kiedy obiecaliśmy",
        "Spóźnione dostawy to pierwszy powód odejścia, jaki podają klienci.",
        (
            ("Podnieść odsetek dostaw na czas z 82% do 95%", "%"),
            ("Skrócić średnie opóźnienie dostawy z 6 do 3 dni", "dni"),
            ("Obniżyć odsetek zamówień wymagających drugiej dostawy z 4% do 1%", "%"),
        ),
    ),
    "ops-cost": (
        "Produkować to samo taniej",
        "Koszt jednostkowy jest o jedną trzecią wyższy od rynkowego i zjada marżę.",
        (
            ("Obniżyć koszt jednostkowy z 14 do 11", "EUR"),
            ("Podnieść wykorzystanie maszyn z 70% do 85%", "%"),
            ("Obniżyć odsetek braków z 9% do 4%", "%"),
        ),
    ),
    "ops-quality": (
        "Z linii nie schodzi nic, co do nas wróci",
        "Zwroty kosztują nas podwójnie: zwrot pieniędzy i zaufanie klienta.",
        (
            ("Obniżyć odsetek zwrotów z 3,5% do 1%", "%"),
            ("Podnieść uzysk za pierwszym razem z 90% do 98%", "%"),
            ("Obniżyć liczbę reklamacji z 12 do 4 miesięcznie", "reklamacji"),
        ),
    ),
    "ops-suppliers": (
        "Żaden dostawca nie może nas zatrzymać",
        "Dwie opóźnione dostawy gipsu zatrzymały w zeszłym kwartale trzy budowy.",
        (
            (
                "Zwiększyć liczbę sprawdzonych dostawców każdego krytycznego materiału z 1 do 3",
                "dostawców",
            ),
            ("Skrócić przestoje z powodu spóźnionych dostaw z 15 do 5 dni", "dni"),
            ("Podnieść odsetek dostaw na czas od dostawców z 70% do 95%", "%"),
        ),
    ),
    "ops-safety": (
        "Wszyscy wracają do domu cali",
        "Każdy wypadek zatrzymuje budowę i kosztuje rodzinę znacznie więcej.",
        (
            ("Obniżyć liczbę wypadków z przestojem z 6 do 1 rocznie", "wypadków"),
            ("Podnieść odsetek budów z cotygodniowym obchodem BHP z 60% do 100%", "%"),
            (
                "Zwiększyć liczbę zgłoszonych zdarzeń potencjalnie wypadkowych z 40 do 90 kwartalnie",
                "zgłoszeń",
            ),
        ),
    ),
    "ops-capacity": (
        "Budować szybciej bez chodzenia na skróty",
        "Kupujący czekają na dom miesiącami, a rynek nie będzie czekał.",
        (
            ("Zwiększyć liczbę oddanych domów z 10 do 16 kwartalnie", "domów"),
            ("Podnieść wykorzystanie ekip z 65% do 85%", "%"),
            ("Skrócić czas od fundamentów do odbioru z 21 do 14 tygodni", "tygodni"),
        ),
    ),
    "ops-inventory": (
        "Magazyn trzyma to, co się sprzedaje, a nie to, co leży",
        "Jedna trzecia naszej gotówki leży w magazynie, a bestsellerów i tak brakuje.",
        (
            ("Skrócić zapas z 45 do 30 dni", "dni"),
            ("Obniżyć braki bestsellerów z 8% do 2%", "%"),
            ("Podnieść rotację zapasów z 4 do 8 razy w roku", "rotacji"),
        ),
    ),
    "ops-automation": (
        "Nikt nie przepisuje zamówień ręcznie",
        "Zamówienie jest wpisywane trzy razy: w sprzedaży, magazynie i księgowości.",
        (
            ("Skrócić ręczne wprowadzanie zamówień z 40 do 10 godzin tygodniowo", "godzin"),
            ("Podnieść odsetek zamówień bez ręcznej obsługi z 20% do 70%", "%"),
            ("Obniżyć odsetek błędów przy wprowadzaniu zamówień z 5% do 1%", "%"),
        ),
    ),
    "ops-counter": (
        "Utrzymać terminowość dostaw na obecnym poziomie",
        "",
        (("Utrzymać odsetek dostaw na czas na 82%", "%"),),
    ),
    "sup-first-response": (
        "Klient słyszy nas w ciągu godziny",
        "Klient, który czeka dobę na pierwszą odpowiedź, odchodzi trzy razy częściej.",
        (
            ("Skrócić czas pierwszej odpowiedzi z 24 do 2 godzin", "godzin"),
            ("Podnieść odsetek zgłoszeń z odpowiedzią w ciągu godziny z 60% do 90%", "%"),
            ("Obniżyć odsetek ponownie otwartych zgłoszeń z 15% do 5%", "%"),
        ),
    ),
    "sup-self-service": (
        "Klienci sami rozwiązują typowe problemy",
        "Połowa zgłoszeń to pytania, na które centrum pomocy już odpowiada.",
        (
            ("Podnieść odsetek pytań rozwiązanych w centrum pomocy z 20% do 45%", "%"),
            ("Obniżyć liczbę zgłoszeń z 1200 do 800 miesięcznie", "zgłoszeń"),
            ("Podnieść ocenę artykułów pomocy z 3,2 do 4,2", "gwiazdek"),
        ),
    ),
    "sup-csat": (
        "Po każdej rozmowie z pomocą klient cieszy się, że zapytał",
        "To w pomocy technicznej klienci decydują, czy nam na nich zależy.",
        (
            ("Podnieść zadowolenie klientów z 78% do 90%", "%"),
            ("Obniżyć odsetek negatywnych ocen z 12% do 5%", "%"),
            ("Podnieść odsetek negatywnych ocen obsłużonych tego samego dnia z 50% do 80%", "%"),
        ),
    ),
    "sup-first-contact": (
        "Rozwiązać sprawę za pierwszym razem",
        "Każde przekazanie między konsultantami dodaje dzień i zirytowanego klienta.",
        (
            ("Podnieść odsetek rozwiązań przy pierwszym kontakcie z 55% do 75%", "%"),
            ("Obniżyć liczbę przekazań na zgłoszenie z 2,4 do 1,5", "przekazań"),
            ("Obniżyć odsetek zgłoszeń przekazanych do programistów z 30% do 10%", "%"),
        ),
    ),
    "sup-onboarding": (
        "Nowi klienci działają w ciągu tygodnia",
        "Klienci, którzy startują powoli, nigdy nie nabierają nawyku i odchodzą.",
        (
            ("Skrócić czas od umowy do startu z 14 do 5 dni", "dni"),
            ("Podnieść odsetek klientów uruchomionych w pierwszym tygodniu z 60% do 85%", "%"),
            ("Obniżyć liczbę zgłoszeń przy wdrożeniu z 25 do 10 na klienta", "zgłoszeń"),
        ),
    ),
    "sup-churn-signals": (
        "Widzimy, że klient odchodzi, zanim odejdzie",
        "Odejścia nas zaskakują, choć znaki były w zgłoszeniach na miesiące wcześniej.",
        (
            ("Podnieść odsetek klientów z oceną kondycji z 0% do 80%", "%"),
            ("Obniżyć miesięczny odpływ klientów z 8% do 4%", "%"),
            ("Podnieść odsetek zagrożonych klientów z planem ratunkowym z 30% do 70%", "%"),
        ),
    ),
    "sup-backlog": (
        "Klienci nie czekają w zapomnianych kolejkach",
        "Zaległości ukrywają klientów, którzy już na nas machnęli ręką.",
        (
            ("Obniżyć liczbę otwartych zgłoszeń z 900 do 200", "zgłoszeń"),
            ("Skrócić wiek najstarszego otwartego zgłoszenia z 10 do 3 dni", "dni"),
            ("Podnieść odsetek zgłoszeń w obiecanym czasie z 70% do 95%", "%"),
        ),
    ),
    "sup-languages": (
        "Klienci dostają pomoc w swoim języku",
        "Jedna trzecia klientów pisze w języku, w którym odpowiadamy wolno.",
        (
            ("Zwiększyć liczbę języków z obsługą przez native speakerów z 2 do 4", "języków"),
            ("Podnieść zadowolenie klientów nieanglojęzycznych z 60% do 85%", "%"),
            ("Skrócić pierwszą odpowiedź w innych językach z 48 do 12 godzin", "godzin"),
        ),
    ),
    "sup-counter": (
        "Odpowiadać na zgłoszenia",
        "",
        (("Odpowiedzieć na wszystkie zgłoszenia", ""),),
    ),
    "eng-delivery": (
        "Wydawać szybciej i niczego nie psuć",
        "Klienci czekają tygodniami na poprawki, a co drugie wydanie wymaga hotfixa.",
        (
            ("Skrócić czas wprowadzenia zmiany z 10 do 2 dni", "dni"),
            ("Obniżyć odsetek nieudanych zmian z 25% do 10%", "%"),
            ("Zwiększyć liczbę wdrożeń z 2 do 10 tygodniowo", "wdrożeń"),
        ),
    ),
    "eng-reliability": (
        "Klienci mogą liczyć, że działamy",
        "Dwie awarie w zeszłym kwartale kosztowały nas odnowienie umowy i miesiąc przeprosin.",
        (
            ("Podnieść dostępność z 99,5% do 99,95%", "%"),
            ("Skrócić średni czas przywrócenia z 240 do 60 minut", "minut"),
            ("Obniżyć liczbę incydentów z 12 do 4 kwartalnie", "incydentów"),
        ),
    ),
    "eng-performance": (
        "Aplikacja działa natychmiast",
        "Użytkownicy porzucają strony, które ładują się dłużej niż dwie sekundy.",
        (
            ("Skrócić czas ładowania strony (95. percentyl) z 3,2 do 1,5 sekundy", "s"),
            ("Skrócić opóźnienie API (99. percentyl) z 900 do 300 ms", "ms"),
            ("Podnieść odsetek sesji bez wolnej strony z 60% do 90%", "%"),
        ),
    ),
    "eng-security": (
        "Dane klientów są u nas bezpieczne",
        "Duzi klienci żądają dowodów, a jeden wyciek by nas zniszczył.",
        (
            ("Obniżyć liczbę otwartych krytycznych podatności z 40 do 5", "podatności"),
            ("Skrócić czas łatania krytycznej podatności z 30 do 7 dni", "dni"),
            ("Podnieść odsetek usług z jednolitym logowaniem z 50% do 100%", "%"),
        ),
    ),
    "eng-quality": (
        "Błędy łapiemy, zanim zobaczą je klienci",
        "Jedna trzecia zgłoszeń do pomocy to błędy, które mogliśmy złapać.",
        (
            ("Obniżyć liczbę błędów znalezionych przez klientów z 30 do 10 miesięcznie", "błędów"),
            ("Podnieść pokrycie testami kodu rozliczeń z 40% do 75%", "%"),
            ("Obniżyć liczbę przepuszczonych regresji z 15 do 5 na wydanie", "regresji"),
        ),
    ),
    "eng-developer-experience": (
        "Inżynierowie spędzają dzień na tworzeniu, a nie na czekaniu",
        "Budowanie i przeglądy kodu zjadają każdemu inżynierowi dwie godziny dziennie.",
        (
            ("Skrócić czas budowania z 45 do 10 minut", "minut"),
            ("Skrócić czekanie na przegląd kodu z 3 do 1 dnia", "dni"),
            ("Podnieść odsetek inżynierów zadowolonych z narzędzi z 55% do 80%", "%"),
        ),
    ),
    "eng-cost": (
        "Obsługa każdego klienta kosztuje mniej",
        "Koszty chmury rosną szybciej niż przychód.",
        (
            ("Obniżyć koszt chmury na klienta z 60 do 40", "EUR"),
            ("Podnieść odsetek zarezerwowanej mocy z 30% do 70%", "%"),
            ("Obniżyć odsetek bezczynnych zasobów z 25% do 10%", "%"),
        ),
    ),
    "eng-mobile": (
        "Aplikacja mobilna jest tak dobra jak wersja webowa",
        "Połowa użytkowników korzysta z telefonów i tam oceniają nas niżej.",
        (
            ("Podnieść ocenę w sklepie z aplikacjami z 3,6 do 4,5", "gwiazdek"),
            ("Obniżyć odsetek awarii z 2% do 0,5%", "%"),
            ("Podnieść odsetek tygodniowych użytkowników mobilnych z 15% do 35%", "%"),
        ),
    ),
    "eng-counter": (
        "Przeprowadzić refaktoryzację kodu",
        "",
        (
            ("Przejść na nowy framework", ""),
            ("Napisać dokumentację", ""),
            ("Uruchomić nową architekturę", ""),
        ),
    ),
    "hr-hiring": (
        "Zatrudniać potrzebnych ludzi, zanim będą potrzebni",
        "Wakaty są otwarte po dwa miesiące, a projekty czekają.",
        (
            ("Skrócić czas rekrutacji z 60 do 35 dni", "dni"),
            ("Podnieść odsetek przyjętych ofert z 70% do 90%", "%"),
            ("Podnieść odsetek zatrudnień z poleceń z 20% do 40%", "%"),
        ),
    ),
    "hr-retention": (
        "Dobrzy ludzie sami wybierają, że zostają",
        "Każdy inżynier, który odchodzi, kosztuje nas pół roku wdrażania następcy.",
        (
            ("Obniżyć niepożądaną rotację z 18% do 10%", "%"),
            ("Podnieść odsetek osób widzących tu swoją przyszłość z 65% do 80%", "%"),
            ("Podnieść odsetek osób z planem rozwoju z 40% do 90%", "%"),
        ),
    ),
    "hr-onboarding": (
        "Nowe osoby szybko osiągają pełną wydajność",
        "Nowi pracownicy potrzebują trzech miesięcy do prawdziwej pracy, a niektórzy odchodzą wcześniej.",
        (
            ("Skrócić czas do pełnej wydajności z 90 do 45 dni", "dni"),
            ("Podnieść odsetek nowych osób zadowolonych z wdrożenia z 60% do 85%", "%"),
            ("Podnieść odsetek nowych osób z opiekunem z 50% do 100%", "%"),
        ),
    ),
    "hr-engagement": (
        "Ludzie lubią tu pracować i o tym mówią",
        "Zaangażowane zespoły robią więcej i rzadziej odchodzą.",
        (
            ("Podnieść wskaźnik zaangażowania z 62 do 75", "pkt"),
            ("Podnieść udział w ankiecie z 55% do 85%", "%"),
            ("Obniżyć odsetek zespołów ze spadającym wynikiem z 30% do 15%", "%"),
        ),
    ),
    "hr-growth": (
        "Ludzie rozwijają się tutaj, zamiast odchodzić, żeby się rozwijać",
        "Najlepsi odchodzą po awanse, które mogliśmy dać sami.",
        (
            ("Podnieść odsetek stanowisk obsadzonych wewnętrznie z 20% do 45%", "%"),
            ("Podnieść odsetek osób korzystających z budżetu szkoleniowego z 30% do 70%", "%"),
            ("Podnieść odsetek osób, które zmieniły rolę w firmie, z 10% do 25%", "%"),
        ),
    ),
    "hr-managers": (
        "Każdy zespół ma lidera, z którym ludzie chcą pracować",
        "Ludzie odchodzą od szefów, a nie od firm.",
        (
            ("Podnieść odsetek liderów przeszkolonych z informacji zwrotnej z 40% do 90%", "%"),
            ("Podnieść ocenę liderów z 3,4 do 4,2", "pkt"),
            ("Obniżyć odsetek zespołów bez comiesięcznych rozmów jeden na jeden z 25% do 12%", "%"),
        ),
    ),
    "hr-diversity": (
        "Nasze zespoły przypominają klientów, którym służymy",
        "Różnorodne zespoły podejmują lepsze decyzje, a klienci widzą, kim jesteśmy.",
        (
            ("Podnieść udział kobiet w inżynierii z 22% do 35%", "%"),
            ("Podnieść odsetek różnorodnych list kandydatów z 15% do 30%", "%"),
            ("Obniżyć lukę płacową z 9% do 3%", "%"),
        ),
    ),
    "hr-wellbeing": (
        "Nikt nie wypala się w pracy",
        "W zeszłym roku trzy osoby poszły na zwolnienie z powodu wypalenia.",
        (
            ("Obniżyć liczbę dni zwolnień na osobę z 4,5 do 3 kwartalnie", "dni"),
            (
                "Podnieść odsetek osób uważających obciążenie za możliwe do utrzymania z 50% do 75%",
                "%",
            ),
            ("Obniżyć odsetek osób pracujących ponad 50 godzin tygodniowo z 35% do 20%", "%"),
        ),
    ),
    "hr-counter": (
        "Utrzymać naszą pozycję najlepszego pracodawcy",
        "",
        (("Utrzymać zadowolenie pracowników na 70%", "%"),),
    ),
    "agency-client-leads": (
        "Strona klienta zamienia odwiedzających w leady",
        "Klient płaci za ruch, który znika bez śladu.",
        (
            ("Zwiększyć liczbę leadów ze strony ze 120 do 250 miesięcznie", "leadów"),
            ("Obniżyć koszt leada z 85 do 55", "EUR"),
            ("Podnieść konwersję odwiedzającego w lead z 2,1% do 3,5%", "%"),
        ),
    ),
    "agency-client-retention": (
        "Kupujący klienta wracają",
        "Powracający kupujący są dla klienta najbardziej rentowni, a większość kupuje raz.",
        (
            ("Podnieść odsetek ponownych zakupów z 75% do 90%", "%"),
            ("Zwiększyć liczbę zamówień na kupującego z 6 do 9 rocznie", "zamówień"),
            ("Obniżyć odsetek wypisów na kampanię z 5% do 2%", "%"),
        ),
    ),
    "agency-client-ecommerce": (
        "Sklep klienta sprzedaje więcej każdemu odwiedzającemu",
        "Ruch stoi w miejscu; pieniądze są w tym, ile kupuje każdy odwiedzający.",
        (
            ("Podnieść konwersję sklepu z 1,8% do 2,6%", "%"),
            ("Podnieść średnią wartość zamówienia z 45 do 60", "EUR"),
            ("Obniżyć odsetek porzuconych koszyków z 70% do 55%", "%"),
        ),
    ),
    "agency-client-local": (
        "Mieszkańcy najpierw znajdują klienta",
        "Większość kupujących klienta szuka „w pobliżu” i wybiera najlepiej ocenianych.",
        (
            (
                "Zwiększyć liczbę telefonów z wyszukiwania lokalnego z 300 do 700 miesięcznie",
                "telefonów",
            ),
            ("Podnieść średnią ocenę opinii z 4,1 do 4,6", "gwiazdek"),
            ("Podnieść odsetek pełnych i poprawnych wizytówek lokalnych z 40% do 90%", "%"),
        ),
    ),
    "agency-client-launch": (
        "Nowy produkt klienta trafia do publiczności, która na niego czeka",
        "Premiera, o której nikt nie słyszał, to premiera, której nie było.",
        (
            ("Zwiększyć listę oczekujących z 0 do 2000 osób", "osób"),
            ("Zwiększyć liczbę zamówień w tygodniu premiery z 0 do 300", "zamówień"),
            ("Zwiększyć liczbę artykułów i recenzji z 0 do 25", "artykułów"),
        ),
    ),
    "agency-client-b2b": (
        "Handlowcy klienta dostają spotkania, a nie listy",
        "Handlowcy klienta dzwonią do zimnych baz i umawiają jedno spotkanie tygodniowo.",
        (
            (
                "Zwiększyć liczbę leadów kwalifikowanych marketingowo z 40 do 100 miesięcznie",
                "leadów",
            ),
            ("Podnieść konwersję leada w spotkanie z 10% do 20%", "%"),
            ("Obniżyć koszt spotkania ze 120 do 75", "EUR"),
        ),
    ),
    "agency-reporting": (
        "Klienci widzą, co dały ich pieniądze, bez pytania",
        "Klienci, którzy rozumieją wyniki, przedłużają umowy; pozostali proszą o rabaty.",
        (
            ("Skrócić czas przygotowania miesięcznego raportu z 5 do 1 dnia", "dni"),
            ("Podnieść odsetek klientów z dashboardem na żywo z 60% do 95%", "%"),
            ("Podnieść odsetek raportów z opisem czynników zewnętrznych z 50% do 100%", "%"),
        ),
    ),
    "agency-margin": (
        "Każdy klient jest wart naszego czasu",
        "Niektórzy klienci zabierają więcej godzin, niż za nie płacą.",
        (
            ("Podnieść marżę projektów z 28% do 40%", "%"),
            ("Obniżyć odsetek niezafakturowanych godzin z 20% do 8%", "%"),
            ("Podnieść odsetek klientów na abonamencie z 70% do 85%", "%"),
        ),
    ),
    "agency-counter": (
        "Zdobyć więcej klientów",
        "",
        (("Wysłać 20 ofert", "ofert"), ("Publikować posty w mediach społecznościowych", "")),
    ),
}
