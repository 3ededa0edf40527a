"""The demo event in French, German and Persian: its title and summary, and a few entries, so
that a reader in Paris, Berlin or Tehran finds the report partly in their language (the rest
shows as not translated). Matched by the original's words, which the sample report fixes."""

from liveblog import services, translations
from liveblog.models import Entry, EntryTranslation, Event

EVENT = {
    "fr": {
        "title": "Conférence internationale en ligne des communautés iraniennes pour le 30e anniversaire "
        "du massacre de 1988 en Iran",
        "summary": "Dans 17 villes, de Paris et Berlin à Toronto et Ottawa, les communautés iraniennes ont "
        "marqué les trente ans du massacre des prisonniers politiques de 1988 en Iran, en demandant "
        "justice pour les victimes.",
    },
    "de": {
        "title": "Internationale Online-Konferenz der iranischen Gemeinden zum 30. Jahrestag des Massakers "
        "von 1988 im Iran",
        "summary": "Iranische Gemeinden in 17 Städten, von Paris und Berlin bis Toronto und Ottawa, "
        "erinnerten an das Massaker an politischen Gefangenen im Iran vor dreißig Jahren und forderten "
        "Gerechtigkeit für die Opfer.",
    },
    "fa": {
        "title": "کنفرانس بین‌المللی آنلاین جوامع ایرانی در سی‌امین سالگرد قتل‌عام ۱۳۶۷ در ایران",
        "summary": "جوامع ایرانی در ۱۷ شهر، از پاریس و برلین تا تورنتو و اتاوا، سی‌امین سالگرد قتل‌عام "
        "زندانیان سیاسی در سال ۱۳۶۷ در ایران را گرامی داشتند و خواستار عدالت برای قربانیان شدند.",
    },
}

ENTRIES = {
    "It is our duty, our democratic duty to fight for justice.": {
        "fr": "C’est notre devoir, notre devoir démocratique, de nous battre pour la justice.",
        "de": "Es ist unsere Pflicht, unsere demokratische Pflicht, für Gerechtigkeit zu kämpfen.",
        "fa": "این وظیفه‌ی ماست، وظیفه‌ی دموکراتیک ماست، که برای عدالت مبارزه کنیم.",
    },
    "Also the resistance was chanting “down with Rouhani, Down with Khamenei”.": {
        "fr": "La résistance scandait aussi « À bas Rohani, à bas Khamenei ».",
        "de": "Außerdem skandierte der Widerstand „Nieder mit Rohani, nieder mit Chamenei“.",
        "fa": "همچنین مقاومت شعار «مرگ بر روحانی، مرگ بر خامنه‌ای» سر می‌داد.",
    },
    (
        "Video Clip airs showing posters and people supporting Iranian Resistance and the "
        "justice-seeking movement for the massacre from across Iran."
    ): {
        "fr": "Diffusion d’un clip vidéo montrant, de tout l’Iran, des affiches et des personnes qui "
        "soutiennent la Résistance iranienne et le mouvement qui demande justice pour le massacre.",
        "de": "Ein Videoclip wird gezeigt: Plakate und Menschen aus dem ganzen Iran, die den iranischen "
        "Widerstand und die Bewegung unterstützen, die Gerechtigkeit für das Massaker fordert.",
        "fa": "پخش یک کلیپ ویدیویی که پوسترها و مردمی را از سراسر ایران نشان می‌دهد که از مقاومت ایران "
        "و جنبش دادخواهی برای قتل‌عام حمایت می‌کنند.",
    },
    (
        "Rajavi closes the conference with a speech thanking all of the people for their commitment, "
        "saluting the brave people of Iran for their protests, and commending the martyrs of 1988. She "
        "promised to bring freedom and democracy to Iran."
    ): {
        "fr": "Rajavi clôt la conférence par un discours dans lequel elle remercie chacun de son engagement, "
        "salue le courage du peuple iranien pour ses manifestations et rend hommage aux martyrs de 1988. "
        "Elle a promis d’apporter la liberté et la démocratie à l’Iran.",
        "de": "Rajavi beschließt die Konferenz mit einer Rede, in der sie allen für ihr Engagement dankt, "
        "die mutigen Menschen im Iran für ihre Proteste würdigt und der Märtyrer von 1988 gedenkt. Sie "
        "versprach, dem Iran Freiheit und Demokratie zu bringen.",
        "fa": "رجوی کنفرانس را با سخنرانی‌ای به پایان می‌برد که در آن از همه برای تعهدشان سپاسگزاری "
        "می‌کند، به مردم شجاع ایران برای اعتراض‌هایشان درود می‌فرستد و یاد شهیدان سال ۱۳۶۷ را گرامی "
        "می‌دارد. او وعده داد آزادی و دموکراسی را به ایران بیاورد.",
    },
}


def translate_demo(event: Event) -> int:
    """Add the demo's translations, once: none are added to a demo that has some already (an
    editor's own are kept). Returns how many entries were translated."""
    if EntryTranslation.objects.filter(entry__event=event).exists():
        return 0
    services.event_update(event=event, by=None, translations=EVENT)
    entries = list(Entry.objects.published().filter(event=event, body__in=list(ENTRIES)))
    for entry in entries:
        for language, body in ENTRIES[entry.body].items():
            translations.translation_save(entry=entry, language=language, headline="", body=body, by=None)
    return len(entries)
