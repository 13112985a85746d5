"""The SOAP partner login's answers, exactly as Salesforce shapes them.

simple-salesforce finds ``sessionId`` and ``serverUrl`` by their literal unprefixed names and
the fault's ``sf:exceptionCode``/``sf:exceptionMessage`` by their ``sf:`` prefix; jsforce uses
regexes on ``<serverUrl>``, ``<sessionId>``, ``<userId>``, ``<organizationId>`` and the unprefixed
``<faultstring>``. Hence the default namespace on the success body and the fixed prefixes.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from sandbox.auth import ORG_ID, SESSION_SECONDS, LoginFault, Session


def login_response(session: Session, base_url: str, version: str) -> str:
    user = session.user
    org15 = ORG_ID[:15]
    profile = (f"<profileId>{escape(user.profile_id)}</profileId>" if user.profile_id
               else '<profileId xsi:nil="true"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{base_url}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired>"
        "<sandbox>true</sandbox>"
        f"<serverUrl>{base_url}/services/Soap/u/{version}/{org15}</serverUrl>"
        f"<sessionId>{session.token}</sessionId>"
        f"<userId>{user.id}</userId>"
        "<userInfo>"
        "<accessibilityMode>false</accessibilityMode>"
        "<chatterExternal>false</chatterExternal>"
        "<currencySymbol>$</currencySymbol>"
        "<orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>"
        "<orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>"
        "<orgDefaultCurrencyLocale>en_US</orgDefaultCurrencyLocale>"
        "<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments>"
        "<orgHasPersonAccounts>false</orgHasPersonAccounts>"
        f"<organizationId>{ORG_ID}</organizationId>"
        "<organizationMultiCurrency>false</organizationMultiCurrency>"
        "<organizationName>Weeder Sandbox</organizationName>"
        f"{profile}"
        '<roleId xsi:nil="true"/>'
        f"<sessionSecondsValid>{SESSION_SECONDS}</sessionSecondsValid>"
        '<userDefaultCurrencyIsoCode xsi:nil="true"/>'
        f"<userEmail>{escape(user.email)}</userEmail>"
        f"<userFullName>{escape(user.name)}</userFullName>"
        f"<userId>{user.id}</userId>"
        "<userLanguage>en_US</userLanguage>"
        "<userLocale>en_US</userLocale>"
        f"<userName>{escape(user.username)}</userName>"
        "<userTimeZone>GMT</userTimeZone>"
        "<userType>Standard</userType>"
        "<userUiSkin>Theme3</userUiSkin>"
        "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def fault_response(fault: LoginFault) -> str:
    code, message = escape(fault.code), escape(fault.message)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>{escape(fault.faultcode)}</faultcode>"
        f"<faultstring>{code}: {message}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{message}</sf:exceptionMessage>"
        "</sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
