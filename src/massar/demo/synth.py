"""The synthetic nation: `massar generate --students N --seed S` builds a deterministic, believable
Morocco for benchmarks and load tests (1,000 to 8,000,000 students).

How it is built:
1. A pure plan (no database): schools per directorate in realistic proportions (academies by
   population, cycles 55/28/17 %, ~15 % of students in private schools, mostly in towns), each
   school's classes of 25–45 students per level and track. Same N, seed and run → same plan.
2. People, generated lazily per directorate with their own random stream: students (Code Massar
   from the registry's allocator, one block per academy letter), one guardian per family (some
   families have two or three children in nearby schools), enrollments, guardian links; then the
   staff of each school (a director, one teacher per primary class, subject teachers filled to
   their weekly hours in collèges and lycées) and a teacher for every class × curriculum subject.
3. Rows go out with COPY on PostgreSQL and `bulk_create` on SQLite, in chunks, all inside one
   transaction: a failure leaves nothing behind. Ids of the tables that others reference are
   reserved up front (one statement per table), so no id is ever read back.

Running it again on a database that already holds a generated nation adds a new, distinct set
(new schools, codes, people): the seed is combined with the number of earlier runs, which the
audit log records.
"""

from __future__ import annotations

import random
import time
from abc import ABC, abstractmethod
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from massar.demo.builder import school_year_for
from massar.registry.identity import search_key
from massar.registry.services import code_massar_allocate, code_massar_letter, identity_keys

MIN_STUDENTS = 500
MAX_STUDENTS = 10_000_000
# the school year in progress when the command runs, with the demo's dates (one rule for both)
YEAR = school_year_for(timezone.localdate())
YEAR_CODE = YEAR.code
YEAR_STARTS = YEAR.starts_on
YEAR_ENDS = YEAR.ends_on
AUDIT_ACTION = "demo.generate"
CHUNK_STUDENTS = 50_000  # rows are buffered and written per chunk of about this many students
SQLITE_BATCH = 2000


def _table(text: str) -> list[tuple]:
    """Parse `a|b|c` lines; a trailing numeric column becomes a float weight."""
    rows = []
    for line in text.strip().splitlines():
        parts = [p.strip() for p in line.split("|")]
        try:
            parts[-1] = float(parts[-1])
        except ValueError:
            pass
        rows.append(tuple(parts))
    return rows


# --- names ------------------------------------------------------------------------------------
# Latin spelling | Arabic | relative frequency among children born 2005–2020 (rough, from
# published lists of popular Moroccan names; variant spellings of one Arabic name are kept, as
# civil registries write them, which is what duplicate detection has to cope with).

MALE_FIRST = _table("""
Mohamed|محمد|600
Youssef|يوسف|300
Adam|آدم|240
Ahmed|أحمد|200
Amine|أمين|180
Hamza|حمزة|180
Ayoub|أيوب|170
Omar|عمر|160
Yassine|ياسين|150
Anas|أنس|140
Mehdi|المهدي|140
Ilyas|إلياس|140
Zakaria|زكرياء|130
Othmane|عثمان|130
Rayan|ريان|130
Ismail|إسماعيل|120
Abdellah|عبد الله|120
Ali|علي|110
Abderrahmane|عبد الرحمان|110
Badr|بدر|100
Achraf|أشرف|100
Aymane|أيمن|100
Marouane|مروان|100
Oussama|أسامة|100
Bilal|بلال|90
Saad|سعد|90
Reda|رضا|90
Yahya|يحيى|90
Soufiane|سفيان|90
Imrane|عمران|80
Idriss|إدريس|80
Walid|وليد|80
Khalid|خالد|80
Hassan|حسن|80
Said|سعيد|70
Karim|كريم|70
Houssam|حسام|70
Taha|طه|70
Ibrahim|إبراهيم|70
Younes|يونس|70
Mouad|معاذ|70
Nabil|نبيل|60
Wassim|وسيم|60
Amir|أمير|60
Ziad|زياد|60
Haitam|هيثم|60
Iyad|إياد|50
Nizar|نزار|50
Adnane|عدنان|50
Anouar|أنور|50
Hicham|هشام|50
Tarik|طارق|50
Abdelilah|عبد الإله|50
Abdessamad|عبد الصمد|50
Mustapha|مصطفى|40
Yasser|ياسر|40
Zouhair|زهير|40
Nassim|نسيم|40
Wail|وائل|40
Abdelaziz|عبد العزيز|40
Abdelkarim|عبد الكريم|40
Abdelhak|عبد الحق|40
Abdelali|عبد العالي|40
Abdelghani|عبد الغني|40
Abdeljalil|عبد الجليل|30
Abdelmajid|عبد المجيد|30
Abdelouahed|عبد الواحد|30
Abdeslam|عبد السلام|30
Brahim|إبراهيم|30
Driss|إدريس|30
Rachid|رشيد|30
Noureddine|نور الدين|30
Sami|سامي|30
Samir|سمير|30
Fouad|فؤاد|30
Jalal|جلال|30
Hamid|حميد|30
Mounir|منير|30
Aissam|عصام|30
Adil|عادل|30
Ghali|غالي|30
Hakim|حكيم|30
Kamal|كمال|30
Mohcine|محسن|30
Mourad|مراد|30
Ridouane|رضوان|30
Zaid|زيد|30
Aboubakr|أبو بكر|30
Ayman|أيمن|30
Hatim|حاتم|30
Jawad|جواد|30
Khalil|خليل|30
Nouh|نوح|30
Salaheddine|صلاح الدين|30
Sohaib|صهيب|30
Souhail|سهيل|30
Zakariae|زكرياء|30
Youness|يونس|30
Anass|أنس|30
Chakib|شكيب|20
Fahd|فهد|20
Lahcen|لحسن|20
Saber|صابر|20
Tawfik|توفيق|20
Abdelhadi|عبد الهادي|20
Abdelkader|عبد القادر|20
Abdelmoula|عبد المولى|20
Abdennour|عبد النور|20
Elias|إلياس|20
Kamil|كامل|20
Larbi|العربي|20
Moncef|منصف|20
Mostafa|مصطفى|20
Oualid|وليد|20
Rabie|ربيع|20
Tayeb|الطيب|20
Yazid|يزيد|20
Aziz|عزيز|20
Abdelhakim|عبد الحكيم|20
Houssine|حسين|20
Issam|عصام|20
Jamal|جمال|20
Saifeddine|سيف الدين|20
Mohammed|محمد|50
""")

FEMALE_FIRST = _table("""
Fatima Zahra|فاطمة الزهراء|300
Salma|سلمى|200
Aya|آية|200
Khadija|خديجة|180
Meryem|مريم|180
Hiba|هبة|150
Malak|ملاك|150
Imane|إيمان|140
Nour|نور|130
Sara|سارة|130
Hajar|هاجر|130
Zineb|زينب|130
Chaimae|شيماء|120
Fatima|فاطمة|120
Oumaima|أميمة|110
Asmae|أسماء|110
Wiam|وئام|100
Kawtar|كوثر|100
Yasmine|ياسمين|100
Douae|دعاء|100
Rim|ريم|90
Amina|أمينة|90
Aicha|عائشة|90
Lina|لينا|90
Soukaina|سكينة|90
Nada|ندى|80
Ghita|غيثة|80
Safae|صفاء|80
Ikram|إكرام|80
Kenza|كنزة|80
Yousra|يسرى|80
Houda|هدى|70
Rania|رانية|70
Sanae|سناء|70
Hanane|حنان|60
Manal|منال|60
Nisrine|نسرين|60
Hafsa|حفصة|60
Marwa|مروة|60
Sofia|صوفيا|60
Ines|إيناس|60
Israe|إسراء|60
Nouhaila|نهيلة|60
Soumaya|سمية|60
Khaoula|خولة|60
Ilham|إلهام|50
Siham|سهام|50
Widad|وداد|50
Hind|هند|50
Loubna|لبنى|50
Leila|ليلى|50
Rokaya|رقية|50
Basma|بسمة|50
Dounia|دنيا|50
Ghizlane|غزلان|50
Hasna|حسناء|50
Alae|آلاء|50
Bouchra|بشرى|50
Doha|ضحى|50
Hanae|هناء|50
Majda|ماجدة|40
Nadia|نادية|40
Noura|نورة|40
Btissam|ابتسام|40
Fadwa|فدوى|40
Jihane|جيهان|40
Maha|مها|40
Mouna|منى|40
Rajae|رجاء|40
Salwa|سلوى|40
Sondos|سندس|40
Wafae|وفاء|40
Zahra|زهرة|40
Abir|عبير|40
Assia|آسية|40
Chaima|شيماء|40
Jannat|جنات|40
Kaoutar|كوثر|40
Mariam|مريم|40
Maryam|مريم|40
Oumayma|أميمة|40
Nihal|نهال|40
Amal|أمل|40
Ouissal|وصال|40
Naima|نعيمة|30
Rachida|رشيدة|30
Samira|سميرة|30
Souad|سعاد|30
Intissar|انتصار|30
Karima|كريمة|30
Latifa|لطيفة|30
Nawal|نوال|30
Nezha|نزهة|30
Sabah|صباح|30
Yasmina|ياسمينة|30
Afaf|عفاف|30
Fatine|فاتن|30
Ghada|غادة|30
Hayat|حياة|30
Lamia|لمياء|30
Rihab|رحاب|30
Inass|إيناس|30
Maroua|مروة|30
Najat|نجاة|30
Ouiam|وئام|30
Rababe|رباب|30
Samia|سامية|30
Firdaous|فردوس|30
Chorouk|شروق|30
Ibtihal|ابتهال|30
Zakia|زكية|20
Sakina|سكينة|20
Yassmine|ياسمين|20
Zaynab|زينب|20
Lamyae|لمياء|20
Raja|رجاء|20
Sihame|سهام|20
""")

FAMILY = _table("""
Alaoui|العلوي|400
El Idrissi|الإدريسي|300
Idrissi|الإدريسي|200
Bennani|بناني|150
El Amrani|العمراني|130
Tazi|التازي|100
Berrada|برادة|80
Benjelloun|بنجلون|80
Chraibi|الشرايبي|70
El Fassi|الفاسي|70
Ouazzani|الوزاني|70
Lahlou|لحلو|60
Kettani|الكتاني|60
Benali|بنعلي|100
Bouzid|بوزيد|70
Zerouali|الزروالي|60
Naciri|الناصري|80
Hajji|الحجي|60
Ait Ali|آيت علي|70
Ouali|والي|40
El Khatib|الخطيب|60
Moussaoui|الموساوي|80
Sbai|السباعي|50
Mansouri|المنصوري|90
El Mansouri|المنصوري|60
Rachidi|الراشدي|60
Bakkali|البقالي|70
El Bakkali|البقالي|40
Haddad|الحداد|60
El Ouardi|الوردي|40
Cherkaoui|الشرقاوي|80
Filali|الفيلالي|60
Jabri|الجابري|50
El Alami|العلمي|80
Alami|العلمي|60
Amrani|العمراني|90
Lamrani|لمراني|40
Benmoussa|بنموسى|50
Benabdellah|بنعبد الله|50
Benchekroun|بنشقرون|40
Bouazza|بوعزة|40
Boukhari|البخاري|40
Chafik|شفيق|30
Chakir|شاكر|40
Daoudi|الداودي|50
Dahbi|الذهبي|30
Douiri|الدويري|20
El Azzouzi|العزوزي|30
Azzouzi|العزوزي|40
El Baz|الباز|20
El Harti|الحارثي|20
Hachimi|الهاشمي|50
El Hachimi|الهاشمي|30
Hamdaoui|الحمداوي|40
El Hamdaoui|الحمداوي|20
Kadiri|القادري|50
El Kadiri|القادري|30
Khalfi|الخلفي|30
El Khalfi|الخلفي|20
Mokhtari|المختاري|40
El Mokhtari|المختاري|20
Ouafi|الوافي|20
El Ouafi|الوافي|20
Yacoubi|اليعقوبي|40
El Yacoubi|اليعقوبي|20
Fikri|فكري|30
Ghazi|الغازي|30
Hassani|الحسني|80
El Hassani|الحسني|40
Hilali|الهلالي|40
El Hilali|الهلالي|20
Jaidi|الجعيدي|20
Jamai|الجامعي|20
Kabbaj|القباج|30
Karimi|الكريمي|40
Lazrak|الأزرق|30
Marrakchi|المراكشي|40
Meknassi|المكناسي|30
Slaoui|السلاوي|40
Tanjaoui|الطنجاوي|20
Rifi|الريفي|40
Soussi|السوسي|50
Doukkali|الدكالي|40
Zemmouri|الزموري|30
Chaoui|الشاوي|40
Chefchaouni|الشفشاوني|20
Tetouani|التطواني|20
Sahraoui|الصحراوي|30
Figuigui|الفجيجي|20
Oujdi|الوجدي|20
Nadori|الناظوري|20
Berkani|البركاني|30
Fassi Fihri|الفاسي الفهري|30
Sqalli|الصقلي|20
Skalli|الصقلي|20
Guessous|كسوس|20
Benkirane|بنكيران|40
Benslimane|بنسليمان|40
Bensouda|بنسودة|20
Tahiri|الطاهري|60
Ettahiri|الطاهري|20
Benhaddou|بنحدو|30
Benaissa|بنعيسى|40
Benyoussef|بنيوسف|30
Benomar|بنعمر|40
Benbrahim|بنبراهيم|40
Benhammou|بنحمو|30
Benamar|بنعمار|30
Bennis|بنيس|30
Benzakour|بنزاكور|20
Bennouna|بنونة|20
Benabbou|بنعبو|20
Bensaid|بنسعيد|40
Bensalah|بنصالح|40
Bentaleb|بنطالب|30
Benyahya|بنيحيى|30
Bencherif|بنشريف|30
Benhima|بنهيمة|20
Benmansour|بنمنصور|30
Benkhadra|بنخضراء|20
Bouabid|بوعبيد|30
Boulahcen|بولحسن|30
Bouhaddou|بوحدو|20
Boutaleb|بوطالب|30
Bouzidi|البوزيدي|30
Bourqia|بورقية|20
Boussaid|بوسعيد|30
Bouamrani|البوعمراني|20
Bouanani|البوعناني|20
Bouhlal|بوهلال|20
Boumediane|بومدين|30
Bousfiha|بوصفيحة|20
Bouzoubaa|بوزوبع|20
Chami|الشامي|30
Chennaoui|الشناوي|20
Chergui|الشرقي|30
Dkhissi|الدخيسي|20
Abbadi|العبادي|30
El Abbadi|العبادي|20
Aissaoui|العيساوي|40
El Aissaoui|العيساوي|20
El Ayadi|العيادي|20
Azhari|الأزهري|30
Bahri|البحري|40
El Bahri|البحري|20
Fadili|الفاضلي|30
El Filali|الفيلالي|30
Ghazouani|الغزواني|30
El Guerrouj|الكروج|20
Haddaoui|الحداوي|20
Hajjami|الحجامي|20
Jaafari|الجعفري|40
El Jaafari|الجعفري|20
Jamali|الجمالي|40
El Jamali|الجمالي|20
El Kettani|الكتاني|20
Khayat|الخياط|30
El Khayat|الخياط|20
Maliki|المالكي|40
El Maliki|المالكي|20
Malki|المالكي|30
Mernissi|المرنيسي|20
El Ouazzani|الوزاني|30
Qasri|القصري|20
Yamani|اليماني|20
Naji|الناجي|30
Ennaji|الناجي|30
Ennaciri|الناصري|30
Zaki|الزكي|20
Fakir|فقير|20
Fadil|فاضل|30
Ghallab|غلاب|20
Ghanem|غانم|30
Guerraoui|الكراوي|20
Habib|حبيب|30
Habibi|الحبيبي|40
Hakimi|الحكيمي|40
Hamdouchi|حمدوشي|20
Hamidi|الحميدي|40
Hammoumi|الحمومي|20
Hassouni|الحسوني|30
Hajjaji|الحجاجي|20
Iraqi|العراقي|30
Laraki|العراقي|30
Jebli|الجبلي|30
Jouhari|الجوهري|20
Kaddouri|القدوري|30
Karam|كرم|20
Kasmi|القاسمي|40
Khattabi|الخطابي|40
El Khattabi|الخطابي|20
Laaroussi|العروسي|30
Lahbabi|الحبابي|20
Lakhdar|الأخضر|30
Lamghari|المغاري|20
Lamine|الأمين|30
Laroui|العروي|20
Lotfi|لطفي|30
Maarouf|معروف|30
Madani|المدني|40
El Madani|المدني|20
Mahfoud|محفوظ|20
Majdoub|المجذوب|30
Makhloufi|المخلوفي|30
Mejjati|المجاطي|20
Mesbahi|المصباحي|30
Messaoudi|المسعودي|40
Mezouar|مزوار|20
Mouline|مولين|20
Mountassir|المنتصر|20
Moutaouakil|المتوكل|30
Najjar|النجار|30
Nejjar|النجار|20
Ouahbi|الوهبي|30
Ouchen|أوشن|20
Oudghiri|الودغيري|20
Rahmouni|الرحموني|30
Rami|الرامي|20
Regragui|الركراكي|30
Sabri|صبري|30
Saadi|السعدي|40
Saidi|السعيدي|50
Essaidi|السعيدي|30
Salhi|الصالحي|30
Sebti|السبتي|30
Sefrioui|الصفريوي|20
Semlali|السملالي|20
Senhaji|الصنهاجي|30
Sentissi|السنتيسي|20
Serghini|السرغيني|20
Souissi|السويسي|20
Talbi|الطالبي|40
Touimi|التويمي|20
Yousfi|اليوسفي|50
El Youssfi|اليوسفي|20
Zaher|زاهر|20
Zaidi|الزايدي|30
Ziani|الزياني|30
Zniber|زنيبر|20
Zouiten|زويتن|20
Ait Ahmed|آيت أحمد|40
Ait Brahim|آيت إبراهيم|30
Ait Lahcen|آيت لحسن|30
Ait Said|آيت سعيد|30
Ait Taleb|آيت الطالب|20
Ait Hammou|آيت حمو|30
Akhenouch|أخنوش|20
Amghar|أمغار|30
Aznag|أزناك|20
Ouhammou|أوحمو|30
Amzil|أمزيل|20
Sebbagh|الصباغ|20
Attar|العطار|30
El Attar|العطار|20
Dabbagh|الدباغ|20
Serraj|السراج|20
Kharraz|الخراز|20
Farah|فرح|20
Essafi|الصافي|30
Tijani|التيجاني|30
Touhami|التهامي|30
Tounsi|التونسي|30
Mohammadi|المحمدي|50
El Mohammadi|المحمدي|20
Hamdi|حمدي|20
Hammadi|الحمادي|30
Larbi|العربي|40
Lahrichi|الحريشي|20
Loukili|اللوكيلي|20
Mabrouk|مبروك|30
Mahdaoui|المهداوي|20
Marzouki|المرزوقي|30
Merzouki|المرزوقي|20
Masmoudi|المصمودي|20
Mekouar|مكوار|20
Meziane|مزيان|30
Nouri|النوري|40
Ouardi|الوردي|30
Rguibi|الركيبي|20
Riahi|الرياحي|20
Sahli|السهلي|20
Sekkat|السقاط|20
Tadlaoui|التادلاوي|20
Toumi|التومي|20
Zahiri|الظاهري|20
Zaoui|الزاوي|30
Zerhouni|الزرهوني|20
Abdellaoui|العبدلاوي|30
Achour|عاشور|30
Adnani|العدناني|20
Afilal|أفيلال|20
Ahmadi|الأحمدي|40
Amraoui|العمراوي|30
Andaloussi|الأندلسي|20
Ansari|الأنصاري|40
El Ansari|الأنصاري|20
Asri|العصري|20
Ayouch|عيوش|20
Baddou|بادو|20
Bakri|البكري|30
Balafrej|بلافريج|20
Barakat|بركات|20
Belhaj|بلحاج|40
Belkadi|بلقاضي|30
Belkhayat|بلخياط|20
Belghiti|البلغيتي|20
Belkziz|بلكزيز|20
Chaabi|الشعبي|30
Chahid|شهيد|20
Cherradi|الشرادي|20
Derkaoui|الدرقاوي|20
Draoui|الدراوي|20
Amri|العامري|40
El Amri|العامري|20
Fathi|الفتحي|20
Gharbi|الغربي|30
El Gharbi|الغربي|20
El Hadi|الهادي|20
El Hajji|الحجي|30
Hariri|الحريري|20
Jazouli|الجزولي|30
El Jazouli|الجزولي|20
Kamili|الكاملي|20
Khamlichi|الخمليشي|30
Mrabet|المرابط|40
El Mrabet|المرابط|20
El Ouahabi|الوهابي|20
Ouarzazi|الورزازي|20
Otmani|العثماني|40
El Otmani|العثماني|20
Yazidi|اليزيدي|20
Fahmi|فهمي|20
Gharbaoui|الغرباوي|30
Ghannam|غنام|20
Guennoun|كنون|30
Hachem|هاشم|20
Hajoui|الحجوي|20
Hanafi|الحنفي|20
Jellouli|الجلولي|20
Kanouni|القانوني|20
Khatib|الخطيب|30
Khiari|الخياري|20
Laghzaoui|لغزاوي|20
Lahmar|الأحمر|30
Loudiyi|اللوديي|20
Maghraoui|المغراوي|30
Mahraz|محرز|20
Mansour|منصور|30
Meftah|مفتاح|20
Mekki|المكي|30
El Mekki|المكي|20
Mellouki|الملوكي|20
Mimouni|الميموني|30
Moujahid|مجاهد|20
Naimi|النعيمي|30
Nasri|نصري|20
Rahhali|الرحالي|30
Raissouni|الريسوني|30
Ramdani|الرمضاني|30
Salmi|السالمي|30
Sijilmassi|السجلماسي|20
Slimani|السليماني|40
Souiri|الصويري|20
Touzani|التوزاني|20
Zahraoui|الزهراوي|20
Zouaoui|الزواوي|20
""")

# --- schools ----------------------------------------------------------------------------------
# Figures, dates and places Moroccan public schools are named after (French | Arabic).
SCHOOL_NAMES = _table("""
Ibn Khaldoun|ابن خلدون
Al Massira|المسيرة
Moulay Ismail|مولاي إسماعيل
Al Farabi|الفارابي
Ibn Sina|ابن سينا
Al Qods|القدس
Hassan II|الحسن الثاني
Mohammed V|محمد الخامس
Moulay Idriss|مولاي إدريس
Moulay Youssef|مولاي يوسف
Moulay Rachid|مولاي رشيد
Moulay Abdellah|مولاي عبد الله
Moulay Slimane|مولاي سليمان
Moulay El Hassan|مولاي الحسن
Ibn Rochd|ابن رشد
Ibn Battouta|ابن بطوطة
Ibn Toufail|ابن طفيل
Al Khawarizmi|الخوارزمي
Charif Al Idrissi|الشريف الإدريسي
Al Mansour Eddahbi|المنصور الذهبي
Youssef Ibn Tachfine|يوسف بن تاشفين
Tarik Ibn Ziad|طارق بن زياد
Okba Ibn Nafii|عقبة بن نافع
Abdelkrim Al Khattabi|عبد الكريم الخطابي
Allal Al Fassi|علال الفاسي
Al Mokhtar Essoussi|المختار السوسي
Abou Bakr Essiddik|أبو بكر الصديق
Omar Ibn Al Khattab|عمر بن الخطاب
Othmane Ibn Affane|عثمان بن عفان
Ali Ibn Abi Talib|علي بن أبي طالب
Khalid Ibn Al Walid|خالد بن الوليد
Salah Eddine Al Ayoubi|صلاح الدين الأيوبي
Al Jahid|الجاحظ
Al Moutanabbi|المتنبي
Abou Al Kacem Echabbi|أبو القاسم الشابي
Imam Al Boukhari|الإمام البخاري
Imam Malik|الإمام مالك
Annahda|النهضة
Al Wahda|الوحدة
Al Istiqlal|الاستقلال
Al Majd|المجد
Al Amal|الأمل
Al Fath|الفتح
Al Andalous|الأندلس
Anoual|أنوال
Az-Zallaqa|الزلاقة
11 Janvier|11 يناير
20 Août|20 غشت
18 Novembre|18 نونبر
Al Mouqawama|المقاومة
Al Kindi|الكندي
Ibn Zohr|ابن زهر
Ibn Al Haytham|ابن الهيثم
Al Biruni|البيروني
Ar-Razi|الرازي
Lalla Aicha|للا عائشة
Lalla Meryem|للا مريم
Lalla Nezha|للا نزهة
Fatima Al Fihriya|فاطمة الفهرية
Al Qarawiyyine|القرويين
Ahmed Chaouki|أحمد شوقي
Jamal Eddine Al Afghani|جمال الدين الأفغاني
Abdellah Guennoun|عبد الله كنون
Sidi Mohammed Ben Abdellah|سيدي محمد بن عبد الله
Al Maghrib Al Arabi|المغرب العربي
Al Hassan Al Ouazzani|الحسن الوزان
Ibn Al Banna|ابن البناء
Al Moutamid Ibn Abbad|المعتمد بن عباد
Lissane Eddine Ibn Al Khatib|لسان الدين بن الخطيب
Ibn Hazm|ابن حزم
Al Ghazali|الغزالي
Al Wifaq|الوفاق
Al Inbiaat|الانبعاث
""")
# Rural localities (douars, tribes, saints) that rural primary schools are named after.
RURAL_NAMES = _table("""
Ouled Ali|أولاد علي
Ouled Said|أولاد سعيد
Ouled Moussa|أولاد موسى
Ouled Ahmed|أولاد أحمد
Ouled Hammou|أولاد حمو
Ait Amar|آيت عمار
Ait Brahim|آيت إبراهيم
Ait Youssef|آيت يوسف
Sidi Bouzid|سيدي بوزيد
Sidi Ali|سيدي علي
Sidi Ahmed|سيدي أحمد
Sidi Slimane|سيدي سليمان
Ain Chkef|عين الشقف
Ain Taoujdate|عين تاوجطات
Tizi Ntest|تيزي نتاست
Bni Yakhlef|بني يخلف
Bni Ahmed|بني أحمد
Lamhamid|المحاميد
Laarjat|العرجات
Douar Jdid|الدوار الجديد
""")
PRIVATE_NAMES = _table("""
Les Palmiers|النخيل
Les Oliviers|الزيتون
Les Jasmins|الياسمين
Les Pionniers|الرواد
Al Manar|المنار
Ennajah|النجاح
Al Mostakbal|المستقبل
Al Maarifa|المعرفة
Al Amal|الأمل
Les Étoiles|النجوم
La Colombe|الحمامة
Al Irfane|العرفان
Al Wafae|الوفاء
Al Yakada|اليقظة
Al Ibdaa|الإبداع
Al Fajr|الفجر
Ennour|النور
Al Hikma|الحكمة
Ibn Batouta|ابن بطوطة
Al Badr|البدر
Al Ittihad|الاتحاد
Al Wouroud|الورود
Al Ikhlass|الإخلاص
Attakaddoum|التقدم
Al Kawtar|الكوثر
Al Riyad|الرياض
Al Anwar|الأنوار
Les Orangers|البرتقال
""")
STREETS = [
    "Avenue Hassan II",
    "Avenue Mohammed V",
    "Boulevard Al Massira",
    "Rue Ibn Sina",
    "Avenue des FAR",
    "Boulevard Zerktouni",
    "Rue Al Qods",
    "Avenue Allal El Fassi",
    "Boulevard Abdelkrim Al Khattabi",
    "Rue Moulay Ismail",
    "Avenue Annakhil",
    "Rue Al Andalous",
]
QUARTERS = [
    "Hay Salam",
    "Hay Al Massira",
    "Hay Mohammadi",
    "Hay Nahda",
    "Hay Al Qods",
    "Hay Riad",
    "Hay El Fath",
    "Hay Karima",
    "Hay Al Amal",
    "Hay Essaada",
    "Hay Al Wahda",
    "Hay Annasr",
    "Hay Ennakhil",
    "Hay Al Andalous",
    "Cité Al Irfane",
    "Lotissement Al Manar",
    "Résidence Al Badr",
    "Hay Al Fida",
    "Hay Moulay Rachid",
    "Hay Lalla Meryem",
    "Derb Sultan",
    "Hay Al Inbiaat",
    "Hay Essalam",
    "Hay Al Matar",
]
DOUARS = [
    "Douar Ouled Ali",
    "Douar Ait Brahim",
    "Douar Lamhamid",
    "Douar Laarjat",
    "Douar Jdid",
    "Douar Ouled Said",
    "Douar Sidi Ahmed",
    "Douar Ait Youssef",
    "Douar Bni Ahmed",
    "Douar Ouled Moussa",
    "Douar Tizi",
    "Douar Ain Chkef",
]
BIG_TOWNS = _table("""
Casablanca|30
Rabat|10
Fès|9
Marrakech|9
Tanger|8
Meknès|6
Agadir|5
Oujda|5
Kénitra|5
Tétouan|4
Salé|6
Safi|3
El Jadida|3
Béni Mellal|3
Nador|3
Khouribga|2
Laâyoune|2
""")

# --- territory --------------------------------------------------------------------------------
# Students per academy (percent, roughly the regions' populations, 2014 census) and, inside each
# academy, directorate code | population (thousands, 2014) | urban share | main town.
ACADEMY_SHARES = {
    "01": 11.0, "02": 7.0, "03": 12.0, "04": 13.0, "05": 7.0, "06": 20.0,
    "07": 13.0, "08": 5.0, "09": 8.0, "10": 1.3, "11": 1.0, "12": 0.5,
}  # fmt: skip
DIRECTORATES = {
    row[0]: (float(row[1]), float(row[2]), row[3])
    for row in (
        line.split("|")
        for line in """
0101|1065|0.85|Tanger
0102|210|0.85|M'diq
0103|550|0.70|Tétouan
0104|76|0.05|Ksar Sghir
0105|496|0.50|Larache
0106|399|0.40|Al Hoceïma
0107|457|0.12|Chefchaouen
0108|300|0.30|Ouezzane
0201|551|0.90|Oujda
0202|565|0.60|Nador
0203|211|0.20|Driouch
0204|108|0.60|Jerada
0205|289|0.60|Berkane
0206|229|0.55|Taourirt
0207|216|0.40|Guercif
0208|138|0.60|Bouarfa
0301|1150|0.95|Fès
0302|835|0.75|Meknès
0303|247|0.45|El Hajeb
0304|155|0.55|Azrou
0305|174|0.10|Moulay Yacoub
0306|286|0.50|Sefrou
0307|197|0.35|Missour
0308|662|0.10|Taounate
0309|528|0.35|Taza
0401|577|1.00|Rabat
0402|982|0.90|Salé
0403|574|0.85|Témara
0404|1061|0.55|Kénitra
0405|542|0.35|Khémisset
0406|522|0.30|Sidi Kacem
0407|320|0.45|Sidi Slimane
0501|550|0.50|Béni Mellal
0502|554|0.15|Azilal
0503|502|0.40|Fquih Ben Salah
0504|371|0.50|Khénifra
0505|542|0.65|Khouribga
0601|450|1.00|Casablanca
0602|330|1.00|Casablanca
0603|420|1.00|Casablanca
0604|470|1.00|Casablanca
0605|350|1.00|Casablanca
0606|450|1.00|Casablanca
0607|360|1.00|Casablanca
0608|530|1.00|Casablanca
0609|404|0.90|Mohammédia
0610|333|0.60|Nouaceur
0611|172|0.60|Médiouna
0612|484|0.50|Berrechid
0613|634|0.40|Settat
0614|233|0.45|Benslimane
0615|786|0.40|El Jadida
0616|452|0.15|Sidi Bennour
0701|1330|0.70|Marrakech
0702|370|0.15|Chichaoua
0703|574|0.10|Tahannaout
0704|537|0.20|El Kelâa des Sraghna
0705|450|0.20|Essaouira
0706|315|0.30|Ben Guerir
0707|691|0.45|Safi
0708|251|0.45|Youssoufia
0801|418|0.40|Errachidia
0802|298|0.40|Ouarzazate
0803|289|0.40|Midelt
0804|322|0.30|Tinghir
0805|307|0.20|Zagora
0901|600|0.85|Agadir
0902|542|0.90|Inezgane
0903|371|0.40|Biougra
0904|838|0.25|Taroudant
0905|207|0.35|Tiznit
0906|117|0.35|Tata
1001|187|0.65|Guelmim
1002|44|0.70|Assa
1003|86|0.90|Tan-Tan
1004|115|0.30|Sidi Ifni
1101|271|0.95|Laâyoune
1102|51|0.90|Boujdour
1103|16|0.70|Tarfaya
1104|61|0.85|Es-Semara
1201|115|0.90|Dakhla
1202|28|0.30|Aousserd
""".strip().splitlines()
    )
}

# --- schooling --------------------------------------------------------------------------------
CYCLE_SHARES = {"PRIMARY": 0.55, "MIDDLE": 0.28, "HIGH": 0.17}
PRIVATE_SHARES = {"PRIMARY": 0.19, "MIDDLE": 0.12, "HIGH": 0.09}  # ~15 % of all students
CYCLE_LEVELS = {
    "PRIMARY": {"1AP": 1.0, "2AP": 1.0, "3AP": 0.98, "4AP": 0.97, "5AP": 0.95, "6AP": 0.93},
    "MIDDLE": {"1AC": 1.0, "2AC": 0.92, "3AC": 0.85},
    "HIGH": {"TC": 1.0, "1BAC": 0.88, "2BAC": 0.80},
}
TRACK_SHARES = {
    "TC": {"TCS": 0.55, "TCL": 0.30, "TCT": 0.10, "TCO": 0.05},
    "1BAC": {
        "1SE": 0.38, "1SM": 0.08, "1L": 0.12, "1SH": 0.14, "1SEG": 0.12,
        "1STE": 0.05, "1STM": 0.03, "1AA": 0.02, "1SO": 0.06,
    },
    "2BAC": {
        "PC": 0.33, "SVT": 0.23, "SMA": 0.07, "SMB": 0.015, "LET": 0.09, "SH": 0.11,
        "SE": 0.05, "GC": 0.045, "STE": 0.015, "STM": 0.01, "SA": 0.01, "SC": 0.015,
        "AA": 0.005, "PCF": 0.01, "SVTF": 0.005,
    },
}  # fmt: skip
LEVEL_INDEX = {
    c: i
    for i, c in enumerate(
        ["1AP", "2AP", "3AP", "4AP", "5AP", "6AP", "1AC", "2AC", "3AC", "TC", "1BAC", "2BAC"]
    )
}
BIRTH_YEAR_1AP = YEAR.start_year - 6  # six in the year of the rentrée
CLASS_MIN, CLASS_MAX = 25, 45
# School sizes (students of one cycle) by cycle and kind of school: uniform in [low, high].
SIZES = {
    ("PRIMARY", "URBAN"): (450, 850),
    ("PRIMARY", "RURAL"): (300, 600),
    ("PRIMARY", "PRIVATE"): (300, 700),
    ("MIDDLE", "URBAN"): (800, 1300),
    ("MIDDLE", "RURAL"): (500, 900),
    ("MIDDLE", "PRIVATE"): (150, 400),
    ("HIGH", "URBAN"): (900, 1600),
    ("HIGH", "RURAL"): (600, 1100),
    ("HIGH", "PRIVATE"): (120, 350),
}
CLASS_SIZES = {"URBAN": (34, 45), "RURAL": (25, 40), "PRIVATE": (25, 34)}
REPEATERS = {"URBAN": 0.12, "RURAL": 0.15, "PRIVATE": 0.05}
# Weekly teaching hours owed by a teacher (primary teachers have their class).
TEACHER_HOURS = {"PRIMARY": 30, "MIDDLE": 24, "HIGH": 21}
CORPS = {
    "PRIMARY": "Professeur de l'enseignement primaire",
    "MIDDLE": "Professeur de l'enseignement secondaire collégial",
    "HIGH": "Professeur de l'enseignement secondaire qualifiant",
}
# Families: share with 1, 2 or 3 children at school now; a child joins an open family nearby
# with the probability that keeps those shares.
FAMILY_SIZES = (0.62, 0.28, 0.10)
SIBLING_SHARE = (FAMILY_SIZES[1] + 2 * FAMILY_SIZES[2]) / (
    FAMILY_SIZES[0] + 2 * FAMILY_SIZES[1] + 3 * FAMILY_SIZES[2]
)
OPEN_FAMILIES = 600  # siblings are found among the last families opened in the directorate
OPERATORS = (("IAM", 0.42), ("Orange", 0.32), ("inwi", 0.26))


class GenerationError(Exception):
    pass


# --- weighted draws ---------------------------------------------------------------------------


class _Pool:
    """Items with weights: `pick(rng)` draws an index by weight (bisect on cumulative sums)."""

    def __init__(self, rows: list[tuple]):
        self.items = [r[:-1] for r in rows]
        self.cum = list(accumulate(r[-1] for r in rows))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> int:
        return bisect(self.cum, rng.random() * self.total)


def _systematic(weights: list[float], k: int, rng: random.Random) -> list[int]:
    """k draws from the weighted cells with one random start: each cell gets floor or ceil of
    its expected count, so small counts stay unbiased and large ones exact."""
    total = sum(weights)
    if k <= 0 or total <= 0:
        return [0] * len(weights)
    counts = [0] * len(weights)
    step = total / k
    pos = rng.random() * step
    cum, i = 0.0, 0
    for j in range(k):
        target = pos + j * step
        while i < len(weights) - 1 and cum + weights[i] <= target:
            cum += weights[i]
            i += 1
        counts[i] += 1
    return counts


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[:rest]:
        out[i] += 1
    return out


# --- the plan (pure) --------------------------------------------------------------------------


@dataclass
class ClassPlan:
    level: str
    track: str | None
    name: str
    size: int


@dataclass
class SchoolPlan:
    directorate: str
    sector: str  # PUBLIC | PRIVATE
    area: str  # URBAN | RURAL
    cycles: dict[str, int] = field(default_factory=dict)  # cycle -> target students
    classes: list[ClassPlan] = field(default_factory=list)
    code: str = ""
    name_fr: str = ""
    name_ar: str = ""
    address: str = ""
    phone: str = ""

    @property
    def kind(self) -> str:
        return "PRIVATE" if self.sector == "PRIVATE" else self.area

    @property
    def students(self) -> int:
        return sum(c.size for c in self.classes)


@dataclass
class NationPlan:
    students: int
    seed: int
    run: int
    schools: list[SchoolPlan]

    def by_directorate(self) -> dict[str, list[SchoolPlan]]:
        out: dict[str, list[SchoolPlan]] = defaultdict(list)
        for s in self.schools:
            out[s.directorate].append(s)
        return dict(sorted(out.items()))

    def summary(self) -> dict:
        students = self.students
        by_academy: Counter = Counter()
        by_cycle: Counter = Counter()
        private = urban = 0
        classes = 0
        for s in self.schools:
            n = s.students
            by_academy[s.directorate[:2]] += n
            classes += len(s.classes)
            for c in s.classes:
                by_cycle[_CYCLE_OF[c.level]] += c.size
            private += n if s.sector == "PRIVATE" else 0
            urban += n if s.area == "URBAN" else 0
        return {
            "students": students,
            "schools": len(self.schools),
            "classes": classes,
            "academy_share": {
                a: round(100 * v / students, 1) for a, v in sorted(by_academy.items())
            },
            "cycle_share": {c: round(100 * v / students, 1) for c, v in by_cycle.items()},
            "private_share": round(100 * private / students, 1),
            "urban_share": round(100 * urban / students, 1),
        }


_CYCLE_OF = {lv: c for c, levels in CYCLE_LEVELS.items() for lv in levels}


def _directorate_weights() -> dict[str, float]:
    """Share of the nation's students in each directorate: the academy's share spread over its
    directorates by population."""
    by_academy: dict[str, float] = defaultdict(float)
    for code, (pop, _u, _t) in DIRECTORATES.items():
        by_academy[code[:2]] += pop
    total = sum(ACADEMY_SHARES.values())
    return {
        code: ACADEMY_SHARES[code[:2]] / total * pop / by_academy[code[:2]]
        for code, (pop, _u, _t) in DIRECTORATES.items()
    }


def plan_nation(
    students: int, seed: int = 1, run: int = 0, *, taken_codes: Iterable[str] = ()
) -> NationPlan:
    """Schools and classes for `students` students (exactly), deterministic for (students,
    seed, run) and the set of school codes already taken."""
    if not MIN_STUDENTS <= students <= MAX_STUDENTS:
        raise GenerationError(
            f"--students must be between {MIN_STUDENTS:,} and {MAX_STUDENTS:,}, not {students:,}"
        )
    rng = random.Random(f"massar-synth/{seed}/{run}/plan")
    weights = _directorate_weights()
    dcodes = sorted(weights)
    shares = _largest_remainder(students, list(CYCLE_SHARES.values()))
    quota = dict(zip(CYCLE_SHARES, shares, strict=True))
    schools: list[SchoolPlan] = []

    # Private groupes scolaires: in towns (the more urban the directorate, the more of them),
    # a primary section, often a collège, sometimes a lycée.
    private_q = {c: round(quota[c] * PRIVATE_SHARES[c]) for c in quota}
    mean = {c: sum(SIZES[(c, "PRIVATE")]) / 2 for c in quota}
    n_private = round(private_q["PRIMARY"] / mean["PRIMARY"])
    p_middle = min(1.0, private_q["MIDDLE"] / max(1, n_private * mean["MIDDLE"]))
    p_high = min(1.0, private_q["HIGH"] / max(1.0, n_private * p_middle * mean["HIGH"]))
    cells = [weights[d] * DIRECTORATES[d][1] ** 1.5 for d in dcodes]
    private_counts = _systematic(cells, n_private, rng)
    private_schools = []
    for d, k in zip(dcodes, private_counts, strict=True):
        for _ in range(k):
            s = SchoolPlan(directorate=d, sector="PRIVATE", area="URBAN")
            s.cycles["PRIMARY"] = rng.uniform(*SIZES[("PRIMARY", "PRIVATE")])
            if rng.random() < p_middle:
                s.cycles["MIDDLE"] = rng.uniform(*SIZES[("MIDDLE", "PRIVATE")])
                if rng.random() < p_high:
                    s.cycles["HIGH"] = rng.uniform(*SIZES[("HIGH", "PRIVATE")])
            private_schools.append(s)
    private_by_dir: dict[tuple[str, str], float] = defaultdict(float)
    for cycle in quota:
        parts = [s for s in private_schools if cycle in s.cycles]
        raw = sum(s.cycles[cycle] for s in parts)
        if not parts:
            private_q[cycle] = 0
            continue
        for s in parts:
            s.cycles[cycle] = s.cycles[cycle] * private_q[cycle] / raw
            private_by_dir[(cycle, s.directorate)] += s.cycles[cycle]
    schools.extend(private_schools)

    # Public schools: what private schools leave of each directorate's share, in towns and in
    # the country by the directorate's urban share; rural schools are smaller.
    for cycle in quota:
        public_q = quota[cycle] - private_q[cycle]
        rest = [max(0.0, quota[cycle] * weights[d] - private_by_dir[(cycle, d)]) for d in dcodes]
        scale = public_q / sum(rest)
        cells, keys = [], []
        for d, r in zip(dcodes, rest, strict=True):
            urban = DIRECTORATES[d][1]
            for area, share in (("URBAN", urban), ("RURAL", 1 - urban)):
                if share > 0:
                    m = sum(SIZES[(cycle, area)]) / 2
                    cells.append(r * scale * share / m)
                    keys.append((d, area))
        k = max(1, round(sum(cells)))
        counts = _systematic(cells, k, rng)
        parts = []
        for (d, area), n in zip(keys, counts, strict=True):
            for _ in range(n):
                s = SchoolPlan(directorate=d, sector="PUBLIC", area=area)
                s.cycles[cycle] = rng.uniform(*SIZES[(cycle, area)])
                parts.append(s)
        raw = sum(s.cycles[cycle] for s in parts)
        for s in parts:
            s.cycles[cycle] = s.cycles[cycle] * public_q / raw
        schools.extend(parts)

    schools.sort(key=lambda s: (s.directorate, s.sector == "PRIVATE", _first_cycle(s)))
    for s in schools:
        _plan_classes(s, rng)
    _fit_total(schools, students, rng)
    _name_schools(schools, rng, random.Random(f"massar-synth/{seed}/{run}/codes"), taken_codes)
    return NationPlan(students=students, seed=seed, run=run, schools=schools)


def _first_cycle(s: SchoolPlan) -> int:
    return min(list(CYCLE_SHARES).index(c) for c in s.cycles)


def _class_name(level: str, track: str | None, n: int) -> str:
    if track is None:
        return f"{level}-{n}"
    if level == "2BAC":
        return f"2{track}-{n}"
    return f"{track}-{n}"  # TCS-1, 1SE-1


def _plan_classes(s: SchoolPlan, rng: random.Random) -> None:
    lo, hi = CLASS_SIZES[s.kind]
    mean = (lo + hi) / 2
    for cycle, target in s.cycles.items():
        shares = CYCLE_LEVELS[cycle]
        total_share = sum(shares.values())
        for level, share in shares.items():
            k = max(1, round(target * share / total_share / mean))
            tracks: list[str | None]
            if level in TRACK_SHARES:
                codes = list(TRACK_SHARES[level])
                counts = _systematic(list(TRACK_SHARES[level].values()), k, rng)
                tracks = [c for c, n in zip(codes, counts, strict=True) for _ in range(n)]
            else:
                tracks = [None] * k
            numbers: Counter = Counter()
            for track in tracks:
                numbers[track] += 1
                s.classes.append(
                    ClassPlan(
                        level, track, _class_name(level, track, numbers[track]), rng.randint(lo, hi)
                    )
                )


def _fit_total(schools: list[SchoolPlan], students: int, rng: random.Random) -> None:
    """Nudge class sizes by one, within 25–45, until the nation has exactly `students`."""
    classes = [c for s in schools for c in s.classes]
    order = list(range(len(classes)))
    rng.shuffle(order)
    diff = students - sum(c.size for c in classes)
    while diff:
        step = 1 if diff > 0 else -1
        moved = False
        for i in order:
            c = classes[i]
            if CLASS_MIN <= c.size + step <= CLASS_MAX:
                c.size += step
                diff -= step
                moved = True
                if not diff:
                    break
        if not moved:  # every class at a bound: open or close a class
            if step > 0:
                s = schools[rng.randrange(len(schools))]
                last = s.classes[-1]
                n = sum(1 for c in s.classes if (c.level, c.track) == (last.level, last.track))
                name = _class_name(last.level, last.track, n + 1)
                new = ClassPlan(last.level, last.track, name, max(CLASS_MIN, min(CLASS_MAX, diff)))
                diff -= new.size
                s.classes.append(new)
                classes.append(new)
                order.append(len(classes) - 1)
            else:
                raise GenerationError(f"{students} students are too few to fill classes of 25")


def _name_schools(
    schools: list[SchoolPlan],
    rng: random.Random,
    code_rng: random.Random,
    taken_codes: Iterable[str],
) -> None:
    taken = set(taken_codes)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    used_names: set[tuple[str, str]] = set()
    for s in schools:
        while True:
            code = f"{code_rng.randrange(10000, 100000)}{letters[code_rng.randrange(26)]}"
            if code not in taken:
                taken.add(code)
                s.code = code
                break
        if s.sector == "PRIVATE":
            pool, fr_fmt, ar_fmt = (
                PRIVATE_NAMES,
                "Groupe scolaire privé {}",
                "مجموعة مدارس {} الخصوصية",
            )
            if len(s.cycles) == 1:
                fr_fmt, ar_fmt = "École privée {}", "مدرسة {} الخصوصية"
        else:
            cycle = next(iter(s.cycles))
            pool = SCHOOL_NAMES
            if cycle == "PRIMARY" and s.area == "RURAL":
                fr_fmt, ar_fmt = "Groupe scolaire {}", "مجموعة مدارس {}"
                if rng.random() < 0.6:
                    pool = RURAL_NAMES
            elif cycle == "PRIMARY":
                fr_fmt, ar_fmt = "École primaire {}", "مدرسة {} الابتدائية"
            elif cycle == "MIDDLE":
                fr_fmt, ar_fmt = "Collège {}", "الثانوية الإعدادية {}"
            else:
                fr_fmt, ar_fmt = "Lycée {}", "الثانوية التأهيلية {}"
        for _ in range(8):  # avoid two schools of one name in a directorate, when we can
            fr, ar = pool[rng.randrange(len(pool))]
            if (s.directorate, fr_fmt.format(fr)) not in used_names:
                break
        s.name_fr, s.name_ar = fr_fmt.format(fr), ar_fmt.format(ar)
        used_names.add((s.directorate, s.name_fr))
        town = DIRECTORATES[s.directorate][2]
        if s.area == "RURAL":
            s.address = f"{DOUARS[rng.randrange(len(DOUARS))]}, province de {town}"
        else:
            s.address = f"{rng.randint(1, 250)}, {STREETS[rng.randrange(len(STREETS))]}, {town}"
        s.phone = f"05{rng.randrange(20_000_000, 40_000_000):08d}"


# --- rows (pure given ids) --------------------------------------------------------------------


@dataclass
class Reference:
    """Ids and curriculum read from the database (or made up, in tests of the pure part)."""

    year_id: int
    level_ids: dict[str, int]
    track_ids: dict[str, int]
    directorate_ids: dict[str, int]
    # (level, track or None) -> [(subject_id, weekly_hours as text)]
    curriculum: dict[tuple[str, str | None], list[tuple[int, str]]]


class _Names:
    """The name pools and memoised identity keys (names repeat: the regex work is done once per
    name pair, not once per student)."""

    def __init__(self) -> None:
        self.male = _Pool(MALE_FIRST)
        self.female = _Pool(FEMALE_FIRST)
        self.family = _Pool(FAMILY)
        self.towns = _Pool(BIG_TOWNS)
        self.slug_male = [search_key(fr).replace(" ", "") for fr, _ar in self.male.items]
        self.slug_female = [search_key(fr).replace(" ", "") for fr, _ar in self.female.items]
        self.slug_family = [search_key(fr).replace(" ", "") for fr, _ar in self.family.items]
        self._keys: dict[tuple[int, bool, int], tuple[str, str, str, str]] = {}

    def keys(self, last: int, male: bool, first: int) -> tuple[str, str, str, str]:
        k = (last, male, first)
        got = self._keys.get(k)
        if got is None:
            lf, la = self.family.items[last]
            ff, fa = (self.male if male else self.female).items[first]
            d = identity_keys(
                {"last_name_fr": lf, "first_name_fr": ff, "last_name_ar": la, "first_name_ar": fa}
            )
            got = self._keys[k] = (d["search_fr"], d["search_ar"], d["dup_key_fr"], d["dup_key_ar"])
        return got


_DAYS: dict[int, list[str]] = {}


def _days(year: int) -> list[str]:
    days = _DAYS.get(year)
    if days is None:
        start = date(year, 1, 1)
        n = (date(year + 1, 1, 1) - start).days
        days = _DAYS[year] = [(start + timedelta(d)).isoformat() for d in range(n)]
    return days


STUDENT_COLUMNS = (
    "id", "code_massar", "last_name_fr", "first_name_fr", "last_name_ar", "first_name_ar", "sex",
    "birth_date", "birth_place", "nationality", "national_id", "address", "special_needs",
    "photo", "search_fr", "search_ar", "dup_key_fr", "dup_key_ar", "created_at", "user_id",
)  # fmt: skip
GUARDIAN_COLUMNS = (
    "id", "last_name_fr", "first_name_fr", "last_name_ar", "first_name_ar", "phone",
    "phone_operator", "email", "national_id", "user_id",
)  # fmt: skip
ENROLLMENT_COLUMNS = (
    "student_id", "school_id", "year_id", "level_id", "track_id", "school_class_id", "status",
    "enrolled_on", "left_on", "left_reason", "decision",
)  # fmt: skip
LINK_COLUMNS = ("student_id", "guardian_id", "relation")
SCHOOL_COLUMNS = (
    "id", "code", "name_fr", "name_ar", "directorate_id", "sector", "area", "has_primary",
    "has_middle", "has_high", "address", "phone",
)  # fmt: skip
CLASS_COLUMNS = ("id", "school_id", "year_id", "level_id", "track_id", "name", "capacity")
STAFF_COLUMNS = (
    "id", "ppr", "last_name_fr", "first_name_fr", "last_name_ar", "first_name_ar", "sex", "kind",
    "corps", "contract", "required_weekly_hours", "phone", "email", "user_id",
)  # fmt: skip
STAFF_SUBJECT_COLUMNS = ("staffmember_id", "subject_id")
POSTING_COLUMNS = ("staff_id", "school_id", "since")
ASSIGNMENT_COLUMNS = ("school_id", "school_class_id", "subject_id", "teacher_id", "weekly_hours")


@dataclass
class PeopleChunk:
    students: list[tuple] = field(default_factory=list)
    guardians: list[tuple] = field(default_factory=list)
    enrollments: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)


@dataclass
class _Counter:
    next: int


def _phone(random: Callable[[], float]) -> tuple[str, str]:
    r = random()
    operator = OPERATORS[0][0] if r < 0.42 else (OPERATORS[1][0] if r < 0.74 else OPERATORS[2][0])
    return f"0{6 if random() < 0.7 else 7}{int(random() * 100_000_000):08d}", operator


def people_rows(
    schools: list[tuple[SchoolPlan, int, int]],
    *,
    rng: random.Random,
    names: _Names,
    ref: Reference,
    codes: Iterator[str],
    student_ids: _Counter,
    guardian_ids: _Counter,
    created_at: str,
    chunk: int = CHUNK_STUDENTS,
) -> Iterator[PeopleChunk]:
    """Students, guardians, enrollments and guardian links of one directorate's schools, given
    as (plan, school id, id of the school's first class); yielded in chunks of about `chunk`
    students, each chunk's rows in an order the foreign keys accept."""
    random = rng.random
    m_cum, m_tot, f_cum, f_tot = (
        names.male.cum,
        names.male.total,
        names.female.cum,
        names.female.total,
    )
    l_cum, l_tot = names.family.cum, names.family.total
    male_items, female_items, family_items = (
        names.male.items,
        names.female.items,
        names.family.items,
    )
    keys = names.keys
    t_cum, t_tot, towns = names.towns.cum, names.towns.total, names.towns.items
    year_id, enrolled_on = ref.year_id, YEAR_STARTS.isoformat()
    out = PeopleChunk()
    open_families: list[list] = []  # [guardian id, family name index, places left, relation]
    for school, school_id, first_class_id in schools:
        town = DIRECTORATES[school.directorate][2]
        rural = school.area == "RURAL"
        addresses = (
            [f"{d}, {town}" for d in DOUARS]
            if rural
            else [f"{n}, {q}, {town}" for q in QUARTERS for n in (3, 17, 42, 88, 120)]
        )
        n_addr = len(addresses)
        repeat = REPEATERS[school.kind]
        for offset, cls in enumerate(school.classes):
            class_id = first_class_id + offset
            level_id = ref.level_ids[cls.level]
            track_id = ref.track_ids[cls.track] if cls.track else None
            base = BIRTH_YEAR_1AP - LEVEL_INDEX[cls.level]
            on_time, late = _days(base), _days(base - 1)
            for _ in range(cls.size):
                sid = student_ids.next
                student_ids.next += 1
                # family first: a younger or older sibling shares the father's family name
                if open_families and random() < SIBLING_SHARE:
                    i = int(random() * len(open_families))
                    fam = open_families[i]
                    gid, last, relation = fam[0], fam[1], fam[3]
                    fam[2] -= 1
                    if not fam[2]:
                        open_families[i] = open_families[-1]
                        open_families.pop()
                else:
                    gid = guardian_ids.next
                    guardian_ids.next += 1
                    last = bisect(l_cum, random() * l_tot)
                    r = random()
                    relation = "FATHER" if r < 0.94 else ("MOTHER" if r < 0.99 else "TUTOR")
                    g_last = last
                    if relation == "MOTHER":
                        g_first = bisect(f_cum, random() * f_tot)
                        g_fr, g_ar = female_items[g_first]
                        g_last = bisect(l_cum, random() * l_tot)
                        slug = names.slug_female[g_first]
                    else:
                        g_first = bisect(m_cum, random() * m_tot)
                        g_fr, g_ar = male_items[g_first]
                        slug = names.slug_male[g_first]
                    phone, operator = _phone(random)
                    email = (
                        f"{slug}.{names.slug_family[g_last]}{gid % 997}@example.ma"
                        if random() < 0.25
                        else ""
                    )
                    gl_fr, gl_ar = family_items[g_last]
                    out.guardians.append(
                        (gid, gl_fr, g_fr, gl_ar, g_ar, phone, operator, email, "", None)
                    )
                    r = random()
                    extra = 0 if r < FAMILY_SIZES[0] else (1 if r < 1 - FAMILY_SIZES[2] else 2)
                    if extra:
                        open_families.append([gid, last, extra, relation])
                        if len(open_families) > OPEN_FAMILIES:
                            del open_families[0]
                male = random() < 0.51
                if male:
                    first = bisect(m_cum, random() * m_tot)
                    first_fr, first_ar = male_items[first]
                else:
                    first = bisect(f_cum, random() * f_tot)
                    first_fr, first_ar = female_items[first]
                last_fr, last_ar = family_items[last]
                s_fr, s_ar, d_fr, d_ar = keys(last, male, first)
                days = late if random() < repeat else on_time
                birth = days[int(random() * len(days))]
                place = town if random() < 0.92 else towns[bisect(t_cum, random() * t_tot)][0]
                out.students.append(
                    (
                        sid, next(codes), last_fr, first_fr, last_ar, first_ar,
                        "M" if male else "F", birth, place, "MA", "",
                        addresses[int(random() * n_addr)], random() < 0.02, "",
                        s_fr, s_ar, d_fr, d_ar, created_at, None,
                    )
                )  # fmt: skip
                out.enrollments.append(
                    (
                        sid, school_id, year_id, level_id, track_id, class_id, "ENROLLED",
                        enrolled_on, None, "", "",
                    )
                )  # fmt: skip
                out.links.append((sid, gid, relation))
            if len(out.students) >= chunk:
                yield out
                out = PeopleChunk()
    if out.students:
        yield out


@dataclass
class StaffChunk:
    staff: list[tuple] = field(default_factory=list)
    subjects: list[tuple] = field(default_factory=list)
    postings: list[tuple] = field(default_factory=list)
    assignments: list[tuple] = field(default_factory=list)


def staff_rows(
    schools: list[tuple[SchoolPlan, int, int]],
    *,
    rng: random.Random,
    names: _Names,
    ref: Reference,
    staff_ids: _Counter,
    pprs: _Counter,
) -> StaffChunk:
    """A director per school, one teacher per primary class, subject teachers in collèges and
    lycées filled to their weekly hours; a teacher for every class × curriculum subject."""
    random = rng.random
    out = StaffChunk()

    def person(kind: str, school: SchoolPlan, school_id: int, cycle: str | None) -> int:
        sid = staff_ids.next
        staff_ids.next += 1
        ppr = pprs.next
        pprs.next += 1
        male = random() < (0.62 if kind == "DIRECTOR" else 0.5)
        pool = names.male if male else names.female
        first_fr, first_ar = pool.items[pool.pick(rng)]
        last_fr, last_ar = names.family.items[names.family.pick(rng)]
        if school.sector == "PRIVATE":
            contract = "PRIVATE"
        else:
            contract = "AREF" if random() < 0.45 else "CIVIL"
        if kind == "DIRECTOR":
            corps = "Directeur pédagogique" if school.sector == "PRIVATE" else "Directeur"
            hours = 0
        else:
            corps = CORPS[cycle] if school.sector == "PUBLIC" else "Enseignant (secteur privé)"
            hours = TEACHER_HOURS[cycle]
        phone, _op = _phone(random)
        out.staff.append(
            (
                sid, str(ppr), last_fr, first_fr, last_ar, first_ar, "M" if male else "F",
                kind, corps, contract, hours, phone, "", None,
            )
        )  # fmt: skip
        since = f"{YEAR.start_year - int(random() * 20)}-09-01"
        out.postings.append((sid, school_id, since))
        return sid

    for school, school_id, first_class_id in schools:
        person("DIRECTOR", school, school_id, None)
        # secondary: per cycle and subject, the classes that need it, in class order
        needs: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
        for offset, cls in enumerate(school.classes):
            class_id = first_class_id + offset
            cycle = _CYCLE_OF[cls.level]
            entries = ref.curriculum.get((cls.level, cls.track), [])
            if cycle == "PRIMARY":
                teacher = person("TEACHER", school, school_id, cycle)
                for subject_id, hours in entries:
                    out.subjects.append((teacher, subject_id))
                    out.assignments.append((school_id, class_id, subject_id, teacher, hours))
            else:
                for subject_id, hours in entries:
                    needs[(cycle, subject_id)].append((class_id, hours))
        for (cycle, subject_id), classes in needs.items():
            load = TEACHER_HOURS[cycle]
            teacher, used = None, 0.0
            for class_id, hours in classes:
                h = float(hours)
                if teacher is None or used + h > load:
                    teacher, used = person("TEACHER", school, school_id, cycle), 0.0
                    out.subjects.append((teacher, subject_id))
                used += h
                out.assignments.append((school_id, class_id, subject_id, teacher, hours))
    return out


# --- writing ----------------------------------------------------------------------------------


class _Sink(ABC):
    """Where rows go: COPY on PostgreSQL, bulk_create on SQLite. Ids of referenced tables are
    reserved as blocks first, so rows carry their ids."""

    vendor = ""

    def prepare(self) -> None:  # noqa: B027 (optional hook)
        return None

    @abstractmethod
    def reserve(self, model, count: int) -> int: ...

    def release(self, model, first: int, used: int) -> None:  # noqa: B027 (optional hook)
        return None

    @abstractmethod
    def write(self, model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int: ...

    def analyze(self, models) -> None:  # noqa: B027 (optional hook)
        return None


class _PostgresSink(_Sink):
    vendor = "postgresql"

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            # Foreign keys are checked at the end of each COPY (bounded memory), not all at commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL synchronous_commit = off")

    def reserve(self, model, count: int) -> int:
        """A block of `count` ids from the table's sequence. The table is locked against other
        writers until the end of the transaction, so nothing else draws from the sequence."""
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            (seq,) = cursor.fetchone()
            cursor.execute(
                f"SELECT GREATEST(nextval(%s), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}))",
                [seq],
            )
            (first,) = cursor.fetchone()
            cursor.execute("SELECT setval(%s, %s)", [seq, first + max(count, 1) - 1])
        self._seqs = getattr(self, "_seqs", {})
        self._seqs[model] = seq
        return first

    def release(self, model, first: int, used: int) -> None:
        """Hand back the unused end of a block (the table lock is still held)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, false)", [self._seqs[model], first + used])

    def write(self, model, columns, rows) -> int:
        connection.ensure_connection()
        table = connection.ops.quote_name(model._meta.db_table)
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        n = 0
        with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
                n += 1
        return n

    def analyze(self, models) -> None:
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class _SqliteSink(_Sink):
    vendor = "sqlite"

    def reserve(self, model, count: int) -> int:
        # Inside the generator's transaction SQLite holds the write lock: max + 1 stays ours.
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
            (top,) = cursor.fetchone()
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
        return max(top, row[0] if row else 0) + 1

    def write(self, model, columns, rows) -> int:
        n = 0
        batch = []
        for row in rows:
            batch.append(model(**dict(zip(columns, row, strict=True))))
            if len(batch) >= SQLITE_BATCH:
                model.objects.bulk_create(batch, batch_size=SQLITE_BATCH)
                n += len(batch)
                batch = []
        if batch:
            model.objects.bulk_create(batch, batch_size=SQLITE_BATCH)
            n += len(batch)
        return n


def _sink() -> _Sink:
    if connection.vendor == "postgresql":
        return _PostgresSink()
    if connection.vendor == "sqlite":
        return _SqliteSink()
    raise GenerationError(f"the generator supports PostgreSQL and SQLite, not {connection.vendor}")


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Result:
    students: int
    seed: int
    run: int
    seconds: float
    rows: dict[str, int]
    table_seconds: dict[str, float]
    summary: dict
    first_codes: list[str]


def ensure_year():
    """The current school year (`YEAR`) with its semesters and curriculum, reused when present."""
    from massar.schools.models import CurriculumEntry, Level, SchoolYear, Semester, Subject, Track
    from massar.schools.reference import load_curriculum

    year, _ = SchoolYear.objects.get_or_create(
        code=YEAR_CODE, defaults={"starts_on": YEAR_STARTS, "ends_on": YEAR_ENDS}
    )
    if not SchoolYear.objects.filter(is_current=True).exists():
        SchoolYear.objects.filter(pk=year.pk).update(is_current=True)
        year.is_current = True
    Semester.objects.get_or_create(
        year=year, number=1, defaults={"starts_on": YEAR_STARTS, "ends_on": YEAR.s1_ends_on}
    )
    Semester.objects.get_or_create(
        year=year, number=2, defaults={"starts_on": YEAR.s2_starts_on, "ends_on": YEAR_ENDS}
    )
    load_curriculum(year, Level, Track, Subject, CurriculumEntry)
    return year


def load_reference(year) -> Reference:
    from massar.schools.models import CurriculumEntry, Level, Track
    from massar.territory.models import Directorate

    levels = dict(Level.objects.values_list("code", "id"))
    tracks = dict(Track.objects.values_list("code", "id"))
    directorates = dict(Directorate.objects.values_list("code", "id"))
    missing = sorted(set(DIRECTORATES) - set(directorates))
    if missing or len(levels) < len(LEVEL_INDEX):
        raise GenerationError(
            "reference data is missing (directorates or levels): run `massar migrate` first"
        )
    level_codes = {v: k for k, v in levels.items()}
    track_codes = {v: k for k, v in tracks.items()}
    curriculum: dict[tuple[str, str | None], list[tuple[int, str]]] = defaultdict(list)
    for level_id, track_id, subject_id, hours in (
        CurriculumEntry.objects.filter(year=year)
        .order_by("level_id", "track_id", "subject__code")
        .values_list("level_id", "track_id", "subject_id", "weekly_hours")
    ):
        key = (level_codes[level_id], track_codes[track_id] if track_id else None)
        curriculum[key].append((subject_id, str(hours)))
    return Reference(
        year_id=year.pk,
        level_ids=levels,
        track_ids=tracks,
        directorate_ids=directorates,
        curriculum=dict(curriculum),
    )


def previous_runs() -> int:
    from massar.core.models import AuditEntry

    return AuditEntry.objects.filter(action=AUDIT_ACTION).count()


def _ppr_start() -> int:
    """Staff numbers continue after the largest numeric PPR already issued (7 digits, from
    2,000,000 on a fresh database)."""
    from massar.staff.models import StaffMember

    top = 0
    for ppr in StaffMember.objects.filter(ppr__regex=r"^[0-9]{7,10}$").values_list(
        "ppr", flat=True
    ):
        top = max(top, int(ppr))
    return max(2_000_000, top + 1)


# --- grades (`--with-grades`) -------------------------------------------------------------------
# A year of continuous assessment for the generated classes: for every enrolled student, every
# subject of the class's curriculum and both semesters, one mark line with 3 or 4 tests (the
# same number for a class × subject × semester) and the integrated-activities mark; about 4 % of
# the marks are absences. A mark is 11 + 2.5 × (the student's level) + 2.5 × (noise), both
# standard normal, so marks spread as N(11, 3.5) and students differ; clipped to [0, 20] and
# rounded to a quarter point. The history of these synthetic marks (MarkChange) is not written:
# they never went through an entry path.

ABSENCE_RATE = 0.04
MARK_LINE_COLUMNS = (
    "school_id", "school_class_id", "subject_id", "semester_id", "student_id",
    "score1", "score2", "score3", "score4", "absent1", "absent2", "absent3", "absent4",
    "activities", "activities_absent", "remark", "version", "updated_at",
)  # fmt: skip


def _pg_grades(year_id: int, first_class: int, last_class: int, seed: int) -> int:
    """One INSERT … SELECT on PostgreSQL: random() in SQL, nothing goes through Python."""
    from massar.assessment.models import MarkLine
    from massar.enrollment.models import Enrollment, SchoolClass
    from massar.schools.models import CurriculumEntry, Semester

    def q(model):
        return connection.ops.quote_name(model._meta.db_table)

    def mark(effect: str) -> str:
        noise = "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"
        value = f"11 + 2.5 * {effect} + 2.5 * {noise}"
        return f"LEAST(20, GREATEST(0, ROUND(CAST(({value}) * 4 AS numeric)) / 4))"

    # the student's level: a normal deviate from three hashes of the id (Irwin–Hall, var 1)
    effect = " + ".join(
        f"MOD(e.student_id * {k}, 10007) / 10007.0" for k in (7919, 104729, 1299709)
    )
    tests = f"3 + MOD(e.school_class_id + ce.subject_id * 31 + sem.id * 17 + {seed}, 2)"
    sql = f"""
    INSERT INTO {q(MarkLine)} ({", ".join(MARK_LINE_COLUMNS)})
    SELECT school_id, school_class_id, subject_id, semester_id, student_id,
           CASE WHEN a1 THEN NULL ELSE m1 END, CASE WHEN a2 THEN NULL ELSE m2 END,
           CASE WHEN a3 THEN NULL ELSE m3 END,
           CASE WHEN n < 4 OR a4 THEN NULL ELSE m4 END,
           a1, a2, a3, n = 4 AND a4, CASE WHEN a5 THEN NULL ELSE m5 END, a5, '', 0, now()
    FROM (
        SELECT e.school_id, e.school_class_id, ce.subject_id, sem.id AS semester_id,
               e.student_id, {tests} AS n,
               random() < {ABSENCE_RATE} AS a1, random() < {ABSENCE_RATE} AS a2,
               random() < {ABSENCE_RATE} AS a3, random() < {ABSENCE_RATE} AS a4,
               random() < {ABSENCE_RATE} AS a5,
               {mark("z")} AS m1, {mark("z")} AS m2, {mark("z")} AS m3, {mark("z")} AS m4,
               {mark("z")} AS m5
        FROM {q(Enrollment)} e
        JOIN {q(SchoolClass)} c ON c.id = e.school_class_id
        JOIN {q(CurriculumEntry)} ce ON ce.year_id = c.year_id AND ce.level_id = c.level_id
             AND ce.track_id IS NOT DISTINCT FROM c.track_id
        JOIN {q(Semester)} sem ON sem.year_id = c.year_id
        CROSS JOIN LATERAL (SELECT ({effect} - 1.5) * 2 AS z) st
        WHERE e.year_id = %(year)s AND e.status = 'ENROLLED'
          AND e.school_class_id BETWEEN %(first)s AND %(last)s
        OFFSET 0
    ) line"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [((seed * 7919) % 10000) / 10000.0])
        cursor.execute(sql, {"year": year_id, "first": first_class, "last": last_class})
        return cursor.rowcount


def _python_grades(sink, year_id: int, first_class: int, last_class: int, seed: int) -> int:
    """The same marks drawn in Python (SQLite), written through the sink."""
    from massar.assessment.models import MarkLine
    from massar.enrollment.models import Enrollment
    from massar.schools.models import CurriculumEntry, Semester

    rng = random.Random(f"massar-synth/{seed}/grades/{first_class}")
    now = timezone.now()
    curriculum = defaultdict(list)
    for level_id, track_id, subject_id in CurriculumEntry.objects.filter(
        year_id=year_id
    ).values_list("level_id", "track_id", "subject_id"):
        curriculum[(level_id, track_id)].append(subject_id)
    semesters = list(Semester.objects.filter(year_id=year_id).values_list("pk", flat=True))
    enrolled = Enrollment.objects.filter(
        year_id=year_id,
        status="ENROLLED",
        school_class__pk__range=(first_class, last_class),
    ).values_list(
        "school_id", "school_class_id", "student_id", "school_class__level_id",
        "school_class__track_id",
    )  # fmt: skip

    def mark(z: float):
        value = 11 + 2.5 * z + 2.5 * rng.gauss(0, 1)
        return Decimal(round(min(20.0, max(0.0, value)) * 4) / 4).quantize(Decimal("0.01"))

    def rows():
        for school_id, class_id, student_id, level_id, track_id in enrolled.iterator():
            z = rng.gauss(0, 1)
            for subject_id in curriculum.get((level_id, track_id), []):
                for sem in semesters:
                    n = 3 + (class_id + subject_id * 31 + sem * 17 + seed) % 2
                    absent = [rng.random() < ABSENCE_RATE for _ in range(5)]
                    scores = [None if i >= n or absent[i] else mark(z) for i in range(4)]
                    yield (
                        school_id, class_id, subject_id, sem, student_id, *scores,
                        absent[0], absent[1], absent[2], n == 4 and absent[3],
                        None if absent[4] else mark(z), absent[4], "", 0, now,
                    )  # fmt: skip

    return sink.write(MarkLine, MARK_LINE_COLUMNS, rows())


def generate_grades(*, sink, year_id: int, first_class: int, last_class: int, seed: int) -> int:
    """Mark lines for the enrolled students of the classes first_class..last_class."""
    if sink.vendor == "postgresql":
        return _pg_grades(year_id, first_class, last_class, seed)
    return _python_grades(sink, year_id, first_class, last_class, seed)


def generate(
    *,
    students: int,
    seed: int = 1,
    log: Callable[[str], None] | None = None,
    with_grades: bool = False,
) -> Result:
    """Build a synthetic nation of `students` students in one transaction (see the module)."""
    from massar.core.audit import audit_record
    from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
    from massar.registry.models import Guardian, GuardianLink, Student
    from massar.schools.models import School
    from massar.staff.models import Posting, StaffMember

    if settings.PRODUCTION:
        raise GenerationError("the synthetic nation is for development and tests, not production")
    log = log or (lambda _line: None)
    sink = _sink()
    started = time.perf_counter()
    rows: Counter = Counter()
    seconds: Counter = Counter()

    def write(label: str, model, columns, data) -> None:
        t = time.perf_counter()
        rows[label] += sink.write(model, columns, data)
        seconds[label] += time.perf_counter() - t

    with transaction.atomic():
        sink.prepare()
        year = ensure_year()
        ref = load_reference(year)
        run = previous_runs()
        taken = set(School.objects.values_list("code", flat=True))
        t = time.perf_counter()
        plan = plan_nation(students, seed, run, taken_codes=taken)
        summary = plan.summary()
        seconds["plan"] += time.perf_counter() - t
        log(
            f"plan: {summary['schools']:,} schools, {summary['classes']:,} classes, "
            f"{students:,} students (run {run}, seed {seed}) in {seconds['plan']:.1f} s"
        )

        # schools and classes, ids reserved in plan order
        n_classes = summary["classes"]
        school_first = sink.reserve(School, len(plan.schools))
        class_first = sink.reserve(SchoolClass, n_classes)
        placed: dict[str, list[tuple[SchoolPlan, int, int]]] = defaultdict(list)
        school_rows, class_rows = [], []
        class_id = class_first
        for i, s in enumerate(plan.schools):
            school_id = school_first + i
            placed[s.directorate].append((s, school_id, class_id))
            school_rows.append(
                (
                    school_id, s.code, s.name_fr, s.name_ar, ref.directorate_ids[s.directorate],
                    s.sector, s.area, "PRIMARY" in s.cycles, "MIDDLE" in s.cycles,
                    "HIGH" in s.cycles, s.address, s.phone,
                )
            )  # fmt: skip
            for c in s.classes:
                class_rows.append(
                    (
                        class_id, school_id, ref.year_id, ref.level_ids[c.level],
                        ref.track_ids[c.track] if c.track else None, c.name,
                        max(40, c.size) if s.sector == "PUBLIC" else max(35, c.size),
                    )
                )  # fmt: skip
                class_id += 1
        write("school", School, SCHOOL_COLUMNS, school_rows)
        write("class", SchoolClass, CLASS_COLUMNS, class_rows)
        del school_rows, class_rows
        log(f"schools: {rows['school']:,}, classes: {rows['class']:,}")

        # people, academy by academy (one block of Code Massar per academy letter)
        names = _Names()
        created_at = timezone.now().isoformat(sep=" ")
        student_first = sink.reserve(Student, students)
        guardian_first = sink.reserve(Guardian, students)  # at most one per student
        student_ids, guardian_ids = _Counter(student_first), _Counter(guardian_first)
        by_academy: dict[str, list[str]] = defaultdict(list)
        for d in sorted(placed):
            by_academy[d[:2]].append(d)
        first_codes: list[str] = []
        for academy, dcodes in sorted(by_academy.items()):
            t_academy = time.perf_counter()
            count = sum(s.students for d in dcodes for s, _i, _c in placed[d])
            codes = code_massar_allocate(letter=code_massar_letter(academy), count=count)
            first_codes.extend(codes[: max(0, 5 - len(first_codes))])
            code_iter = iter(codes)
            for d in dcodes:
                rng = random.Random(f"massar-synth/{seed}/{run}/{d}/people")
                t_gen = time.perf_counter()
                for chunk in people_rows(
                    placed[d],
                    rng=rng,
                    names=names,
                    ref=ref,
                    codes=code_iter,
                    student_ids=student_ids,
                    guardian_ids=guardian_ids,
                    created_at=created_at,
                ):
                    seconds["generate people"] += time.perf_counter() - t_gen
                    write("student", Student, STUDENT_COLUMNS, chunk.students)
                    write("guardian", Guardian, GUARDIAN_COLUMNS, chunk.guardians)
                    write("enrollment", Enrollment, ENROLLMENT_COLUMNS, chunk.enrollments)
                    write("guardian link", GuardianLink, LINK_COLUMNS, chunk.links)
                    t_gen = time.perf_counter()
                seconds["generate people"] += time.perf_counter() - t_gen
            del codes, code_iter
            log(
                f"academy {academy}: {count:,} students in "
                f"{time.perf_counter() - t_academy:.1f} s "
                f"(total {rows['student']:,} students, {time.perf_counter() - started:.1f} s)"
            )
        sink.release(Student, student_first, student_ids.next - student_first)
        sink.release(Guardian, guardian_first, guardian_ids.next - guardian_first)

        # staff, directorate by directorate
        t_staff = time.perf_counter()
        upper = sum(
            1 + len(s.classes) * max(1, max((len(v) for v in ref.curriculum.values()), default=1))
            for s in plan.schools
        )
        staff_first = sink.reserve(StaffMember, upper)
        staff_ids, pprs = _Counter(staff_first), _Counter(_ppr_start())
        through = StaffMember.subjects.through
        for d in sorted(placed):
            rng = random.Random(f"massar-synth/{seed}/{run}/{d}/staff")
            t_gen = time.perf_counter()
            chunk = staff_rows(
                placed[d], rng=rng, names=names, ref=ref, staff_ids=staff_ids, pprs=pprs
            )
            seconds["generate staff"] += time.perf_counter() - t_gen
            write("staff member", StaffMember, STAFF_COLUMNS, chunk.staff)
            write("staff subject", through, STAFF_SUBJECT_COLUMNS, chunk.subjects)
            write("posting", Posting, POSTING_COLUMNS, chunk.postings)
            write("teaching assignment", TeachingAssignment, ASSIGNMENT_COLUMNS, chunk.assignments)
        sink.release(StaffMember, staff_first, staff_ids.next - staff_first)
        log(
            f"staff: {rows['staff member']:,} staff, {rows['teaching assignment']:,} teaching "
            f"assignments in {time.perf_counter() - t_staff:.1f} s"
        )
        if with_grades:
            t = time.perf_counter()
            rows["mark line"] += generate_grades(
                sink=sink,
                year_id=ref.year_id,
                first_class=class_first,
                last_class=class_first + n_classes - 1,
                seed=seed * 1000 + run,
            )
            seconds["mark line"] += time.perf_counter() - t
            log(f"grades: {rows['mark line']:,} mark lines in {seconds['mark line']:.1f} s")
        audit_record(
            actor=None,
            action=AUDIT_ACTION,
            object_type="school_year",
            object_id=year.pk,
            after={"students": students, "seed": seed, "run": run, **summary, "rows": dict(rows)},
            source="command",
        )
    t = time.perf_counter()
    from massar.assessment.models import MarkLine

    sink.analyze([School, SchoolClass, Student, Guardian, GuardianLink, Enrollment, StaffMember,
                  through, Posting, TeachingAssignment, MarkLine])  # fmt: skip
    seconds["analyze"] += time.perf_counter() - t
    elapsed = time.perf_counter() - started
    return Result(
        students=students,
        seed=seed,
        run=run,
        seconds=elapsed,
        rows=dict(rows),
        table_seconds={k: round(v, 2) for k, v in seconds.items()},
        summary=summary,
        first_codes=first_codes,
    )
