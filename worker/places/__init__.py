"""Places as labels name them: countries to ISO 3166 codes, and where a country lies.

Pure Python over maintained data packages (pycountry, countryinfo): no Django, so the
consensus engine and the exports can use it as they are.
"""
