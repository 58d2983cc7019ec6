"""Reply templates for common questions, in both languages. Staff start a draft from one and adapt it.

A template is data, not interface text: it is filled with the writer's name and the message's
reference and written in the writer's language, whatever language the officer reads.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplyTemplate:
    key: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str

    def title(self, chinese: bool) -> str:
        return self.title_zh if chinese else self.title_en

    def fill(self, *, chinese: bool, name: str, reference: str) -> str:
        body = self.body_zh if chinese else self.body_en
        return body.replace("{name}", name).replace("{reference}", reference)


REPLY_TEMPLATES = (
    ReplyTemplate(
        "thanks",
        "感謝建議", "Thank you for a suggestion",
        "{name} 您好：\n\n感謝您透過局長信箱提供寶貴建議（案號 {reference}）。您的意見已轉請相關單位參考，"
        "作為改進服務的依據。\n\n外交部領事事務局 敬上",
        "Dear {name},\n\nThank you for your suggestion to the Director-General's mailbox (reference {reference}). "
        "We have passed it to the units concerned, who will take it into account as we improve our services.\n\n"
        "Bureau of Consular Affairs",
    ),
    ReplyTemplate(
        "passport_renewal",
        "護照換發說明", "Renewing a passport",
        "{name} 您好：\n\n有關您詢問的護照換發事宜（案號 {reference}），在國外者請向轄區駐外館處申請，"
        "在國內者可至本局或各辦事處辦理。所需文件與費用請參閱本局網站「護照」專區。\n\n外交部領事事務局 敬上",
        "Dear {name},\n\nAbout renewing your passport (reference {reference}): abroad, apply to the mission that "
        "serves the country you are in; in Taiwan, apply at the Bureau or one of its branch offices. The documents "
        "and fees are listed in the Passports section of our website.\n\nBureau of Consular Affairs",
    ),
    ReplyTemplate(
        "documents",
        "文件證明程序", "Document authentication",
        "{name} 您好：\n\n有關您詢問的文件證明事宜（案號 {reference}），國外文件須先經文件出具國之主管機關認證，"
        "再送我國駐外館處驗證；詳細程序請參閱本局網站「文件證明」專區。\n\n外交部領事事務局 敬上",
        "Dear {name},\n\nAbout authenticating your document (reference {reference}): a foreign document is first "
        "certified by the authorities of the country that issued it, then authenticated by our mission there. "
        "The steps are set out in the Document Authentication section of our website.\n\nBureau of Consular Affairs",
    ),
    ReplyTemplate(
        "service_apology",
        "服務態度致歉", "Apology for our service",
        "{name} 您好：\n\n對於您反映的服務問題（案號 {reference}），本局深表歉意。我們已瞭解經過，"
        "並已要求相關同仁檢討改進，以提供更好的服務。\n\n外交部領事事務局 敬上",
        "Dear {name},\n\nWe are sorry for the service you describe (reference {reference}). We have looked into "
        "what happened and asked the staff concerned to put it right, so that it does not happen again.\n\n"
        "Bureau of Consular Affairs",
    ),
    ReplyTemplate(
        "referred",
        "已轉請駐外館處處理", "Passed to a mission",
        "{name} 您好：\n\n您的來信（案號 {reference}）涉及駐外館處業務，本局已轉請該館處協助，"
        "館處將儘速與您聯繫。\n\n外交部領事事務局 敬上",
        "Dear {name},\n\nYour message (reference {reference}) concerns one of our overseas missions. We have asked "
        "the mission to help, and it will contact you soon.\n\nBureau of Consular Affairs",
    ),
)

BY_KEY = {t.key: t for t in REPLY_TEMPLATES}
