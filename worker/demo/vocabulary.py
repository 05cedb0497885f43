"""Word lists for the demo generators, and the bit of French grammar needed to join them.

Taxa, places, periodicals and publishers are real words; every combination (collector, date,
place, number, title, author) is drawn at random, so no label or card describes a real object.
The lists are written as small text tables (parsed at import) so they stay compact and readable
whatever the code formatter does.
"""

from __future__ import annotations

from dataclasses import dataclass


def _items(table: str) -> tuple[str, ...]:
    """Items separated by ";" or line breaks."""
    return tuple(item.strip() for item in table.replace("\n", ";").split(";") if item.strip())


def _rows(table: str) -> list[list[str]]:
    """Non-empty lines split on "|"."""
    return [[cell.strip() for cell in line.split("|")] for line in table.strip().splitlines()]


# ---------------------------------------------------------------- herbarium


@dataclass(frozen=True)
class Taxon:
    binomial: str
    author: str
    habit: str  # "herb", "woody" or "grass": chooses how the plant is drawn
    flower: str  # a key of FLOWER_COLOURS, or "" for no visible flower


TAXA: tuple[Taxon, ...] = tuple(
    Taxon(*row)
    for row in _rows("""
Quercus pubescens        | Willd.          | woody |
Quercus ilex             | L.              | woody |
Fagus sylvatica          | L.              | woody |
Acer campestre           | L.              | woody |
Buxus sempervirens       | L.              | woody |
Cornus sanguinea         | L.              | woody | white
Lonicera xylosteum       | L.              | woody | white
Rhododendron ferrugineum | L.              | woody | pink
Vaccinium myrtillus      | L.              | woody | pink
Cistus albidus           | L.              | woody | pink
Rosmarinus officinalis   | L.              | woody | blue
Lavandula angustifolia   | Mill.           | woody | purple
Calluna vulgaris         | (L.) Hull       | woody | pink
Erica cinerea            | L.              | woody | purple
Cytisus scoparius        | (L.) Link       | woody | yellow
Ulex europaeus           | L.              | woody | yellow
Genista pilosa           | L.              | woody | yellow
Dryas octopetala         | L.              | herb  | white
Gentiana lutea           | L.              | herb  | yellow
Gentiana acaulis         | L.              | herb  | blue
Arnica montana           | L.              | herb  | yellow
Campanula rotundifolia   | L.              | herb  | blue
Saxifraga oppositifolia  | L.              | herb  | purple
Silene vulgaris          | (Moench) Garcke | herb  | white
Lotus corniculatus       | L.              | herb  | yellow
Thymus serpyllum         | L.              | herb  | purple
Salvia pratensis         | L.              | herb  | blue
Primula veris            | L.              | herb  | yellow
Anemone nemorosa         | L.              | herb  | white
Ranunculus acris         | L.              | herb  | yellow
Trifolium pratense       | L.              | herb  | pink
Helianthemum nummularium | (L.) Mill.      | herb  | yellow
Dianthus carthusianorum  | L.              | herb  | pink
Centaurea scabiosa       | L.              | herb  | purple
Achillea millefolium     | L.              | herb  | white
Leucanthemum vulgare     | Lam.            | herb  | white
Origanum vulgare         | L.              | herb  | pink
Digitalis purpurea       | L.              | herb  | purple
Geranium sanguineum      | L.              | herb  | pink
Orchis mascula           | (L.) L.         | herb  | purple
Ophrys apifera           | Huds.           | herb  | pink
Euphorbia cyparissias    | L.              | herb  | yellow
Hypericum perforatum     | L.              | herb  | yellow
Papaver rhoeas           | L.              | herb  | red
Viola odorata            | L.              | herb  | purple
Hepatica nobilis         | Mill.           | herb  | blue
Aster alpinus            | L.              | herb  | purple
Carlina acaulis          | L.              | herb  | white
Scabiosa columbaria      | L.              | herb  | blue
Knautia arvensis         | (L.) Coult.     | herb  | purple
Lilium martagon          | L.              | herb  | pink
Narcissus poeticus       | L.              | herb  | white
Anthyllis vulneraria     | L.              | herb  | yellow
Hippocrepis comosa       | L.              | herb  | yellow
Geum montanum            | L.              | herb  | yellow
Teucrium chamaedrys      | L.              | herb  | pink
Prunella vulgaris        | L.              | herb  | purple
Echium vulgare           | L.              | herb  | blue
Linaria vulgaris         | Mill.           | herb  | yellow
Galium verum             | L.              | herb  | yellow
Stipa pennata            | L.              | grass |
Brachypodium pinnatum    | (L.) P.Beauv.   | grass |
Sesleria caerulea        | (L.) Ard.       | grass |
Briza media              | L.              | grass |
Dactylis glomerata       | L.              | grass |
""")
)

FLOWER_COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (226, 218, 192),
    "yellow": (196, 160, 74),
    "blue": (96, 104, 142),
    "purple": (124, 88, 118),
    "pink": (172, 112, 118),
    "red": (160, 70, 60),
}

COLLECTOR_INITIALS = _items("J.-B.; A.; L.; P.; Ch.; É.; H.; M.; G.; J.; F.; R.; J.-M.; Th.")
COLLECTOR_SURNAMES = _items("""
Morel; Texier; Rouvière; Berthier; Marchal; Dufresne; Chabert; Vallier; Garnier; Brochet
Lacroix; Faure; Perrier; Sauvaigo; Bonnefoy; Arnaud; Giraudet; Mollard; Blanchon; Reverdy
Combaz; Villard; Pellat; Escoffier
""")


@dataclass(frozen=True)
class Region:
    country: str
    department: str  # "" outside France: the form only offers French départements
    lat: float
    lon: float
    elevation: tuple[int, int]  # plausible collecting altitudes, metres
    towns: tuple[str, ...]
    rivers: tuple[str, ...]  # with their article, as French prints them after "de"
    massifs: tuple[str, ...]


def _regions(table: str) -> tuple[Region, ...]:
    """A header line "country / département | lat | lon | min-max m" followed by three
    indented comma-separated lines: towns, rivers, massifs."""
    lines = table.strip().splitlines()
    return tuple(_region(*lines[start : start + 4]) for start in range(0, len(lines), 4))


def _region(head: str, *names: str) -> Region:
    place, lat, lon, elevation = (cell.strip() for cell in head.split("|"))
    country, _, department = (part.strip() for part in place.partition("/"))
    low, high = (int(metres) for metres in elevation.split("-"))
    towns, rivers, massifs = (tuple(name.strip() for name in line.split(",")) for line in names)
    return Region(country, department, float(lat), float(lon), (low, high), towns, rivers, massifs)


FRENCH_REGIONS = _regions("""
France / Isère | 45.26 | 5.58 | 200-2400
    Grenoble, Vif, Allevard, Voreppe, Le Bourg-d'Oisans
    l'Isère, la Romanche, le Drac
    la Chartreuse, Belledonne, le Vercors
France / Hautes-Alpes | 44.66 | 6.26 | 700-2700
    Gap, Briançon, Embrun, La Grave, Abriès
    la Durance, la Guisane
    le Queyras, le Dévoluy
France / Savoie | 45.48 | 6.44 | 300-2600
    Chambéry, Modane, Pralognan, Aix-les-Bains, Bessans
    l'Arc, l'Isère
    la Vanoise, les Bauges
France / Haute-Savoie | 46.04 | 6.43 | 400-2500
    Annecy, Chamonix, Thonon, Samoëns, Sallanches
    l'Arve, la Dranse
    les Aravis, le Salève
France / Drôme | 44.68 | 5.17 | 150-1700
    Die, Valence, Nyons, Crest, Lus-la-Croix-Haute
    la Drôme, l'Eygues
    le Vercors, le Diois
France / Alpes-Maritimes | 43.94 | 7.12 | 10-2500
    Nice, Grasse, Menton, Saint-Martin-Vésubie, Tende
    la Vésubie, la Roya
    le Mercantour, l'Estérel
France / Var | 43.46 | 6.22 | 10-1100
    Toulon, Hyères, Draguignan, Brignoles, Le Lavandou
    l'Argens, le Gapeau
    la Sainte-Baume, les Maures
France / Bouches-du-Rhône | 43.54 | 5.09 | 10-1000
    Marseille, Aix-en-Provence, Arles, Cassis, La Ciotat
    le Rhône, l'Huveaune
    la Sainte-Victoire, les Alpilles
France / Hérault | 43.58 | 3.37 | 10-1000
    Montpellier, Lodève, Sète, Ganges, Saint-Guilhem-le-Désert
    l'Hérault, l'Orb
    le Larzac, la Séranne
France / Gard | 43.99 | 4.18 | 10-1500
    Nîmes, Le Vigan, Uzès, Alès, Aigues-Mortes
    le Gardon, la Cèze
    l'Aigoual, les Cévennes
France / Pyrénées-Orientales | 42.60 | 2.52 | 10-2700
    Perpignan, Prades, Font-Romeu, Collioure, Céret
    la Têt, le Tech
    le Canigou, la Cerdagne
France / Hautes-Pyrénées | 43.05 | 0.16 | 300-2800
    Tarbes, Gavarnie, Cauterets, Luz, Bagnères-de-Bigorre
    l'Adour, le Gave de Pau
    le Néouvielle, le Pic du Midi
France / Puy-de-Dôme | 45.72 | 3.14 | 300-1800
    Clermont-Ferrand, Le Mont-Dore, Besse, Thiers, Royat
    l'Allier, la Dordogne
    les Monts-Dore, la Chaîne des Puys
France / Cantal | 45.05 | 2.67 | 400-1800
    Aurillac, Salers, Murat, Saint-Flour, Mauriac
    la Cère, la Jordanne
    le Plomb du Cantal, le Cézallier
France / Finistère | 48.25 | -4.06 | 10-380
    Brest, Quimper, Morlaix, Crozon, Douarnenez
    l'Aulne, l'Élorn
    les Monts d'Arrée, la Cornouaille
France / Morbihan | 47.85 | -2.81 | 10-300
    Vannes, Carnac, Pontivy, Quiberon, Josselin
    le Blavet, l'Oust
    les landes de Lanvaux, la presqu'île de Rhuys
France / Gironde | 44.83 | -0.57 | 10-150
    Bordeaux, Arcachon, Lacanau, Soulac, Libourne
    la Garonne, la Dordogne
    le Médoc, l'Entre-deux-Mers
France / Pyrénées-Atlantiques | 43.26 | -0.76 | 10-2500
    Pau, Oloron, Bayonne, Laruns, Biarritz
    le Gave d'Ossau, la Nive
    la vallée d'Aspe, la Rhune
France / Côte-d'Or | 47.42 | 4.77 | 200-600
    Dijon, Beaune, Châtillon-sur-Seine, Nuits, Semur
    l'Ouche, la Seine
    l'Arrière-Côte, l'Auxois
France / Jura | 46.73 | 5.70 | 200-1500
    Lons-le-Saunier, Saint-Claude, Morez, Champagnole, Arbois
    l'Ain, la Bienne
    le Haut-Jura, le Revermont
France / Doubs | 47.17 | 6.37 | 250-1400
    Besançon, Pontarlier, Morteau, Ornans, Mouthe
    le Doubs, la Loue
    le Mont d'Or, le Saugeais
France / Vosges | 48.19 | 6.38 | 250-1300
    Épinal, Gérardmer, Remiremont, Saint-Dié, Bussang
    la Moselle, la Meurthe
    le Hohneck, les Ballons
France / Seine-et-Marne | 48.62 | 2.94 | 40-200
    Fontainebleau, Meaux, Provins, Nemours, Moret
    la Marne, le Loing
    la Brie, le Gâtinais
France / Corse-du-Sud | 41.86 | 8.98 | 10-2000
    Ajaccio, Porto-Vecchio, Bonifacio, Sartène, Zonza
    le Prunelli, le Taravo
    Bavella, l'Incudine
""")

FOREIGN_REGIONS = _regions("""
Espagne | 42.35 | 1.90 | 200-2500
    Puigcerdà, Ripoll, Olot, Núria
    le Ter
    le Montseny
Espagne | 37.10 | -3.40 | 600-3000
    Grenade, Güejar Sierra, Lanjarón
    le Genil
    la Sierra Nevada
Italie | 44.25 | 7.30 | 400-2600
    Cuneo, Valdieri, Limone, Entracque
    la Stura
    les Alpes maritimes
Italie | 45.74 | 7.32 | 500-3000
    Aoste, Cogne, Courmayeur
    la Doire
    le Grand Paradis
Suisse | 46.20 | 7.50 | 400-2800
    Sion, Zermatt, Saas-Fee, Martigny
    le Rhône
    le Valais
Suisse | 46.80 | 6.80 | 400-1600
    Neuchâtel, Yverdon, Sainte-Croix
    l'Orbe
    le Chasseron
Algérie | 36.45 | 4.20 | 200-2200
    Blida, Tikjda, Tizi Ouzou
    la Chiffa
    le Djurdjura
Maroc | 33.40 | -5.10 | 800-2200
    Ifrane, Azrou, Sefrou
    l'oued Tigrigra
    le Moyen Atlas
Belgique | 50.25 | 4.90 | 80-450
    Dinant, Namur, Rochefort
    la Meuse, la Lesse
    la Famenne
Andorre | 42.55 | 1.55 | 1000-2800
    Canillo, Soldeu, Ordino
    la Valira
    le Coma Pedrosa
""")

HABITATS = _items("""
Prairies sèches calcaires; Pelouses rocailleuses; Rochers siliceux; Bois de hêtres
Lisière de chênaie; Éboulis calcaires; Bords des chemins; Landes à bruyères; Marais tourbeux
Garrigues; Sables maritimes; Pâturages alpins; Friches; Vieux murs; Taillis clairs
Pinède claire; Prés humides; Talus herbeux; Moissons; Falaises ombragées
""")

# (name given as metadata, header printed on the label, catalogue-number prefix); all invented
INSTITUTIONS: tuple[tuple[str, str, str], ...] = tuple(
    (name, header, prefix)
    for name, header, prefix in _rows("""
Muséum d'histoire naturelle de Valmont | HERBIER DU MUSÉUM DE VALMONT           | VAL
Herbier de l'Université de Montclair   | HERBIER DE L'UNIVERSITÉ DE MONTCLAIR   | MTC
Conservatoire botanique de Saint-Aubin | CONSERVATOIRE BOTANIQUE DE SAINT-AUBIN | CBSA
Société botanique de la Vallée-Haute   | SOCIÉTÉ BOTANIQUE DE LA VALLÉE-HAUTE   | SBVH
""")
)

MONTHS_FR = _items("janvier; février; mars; avril; mai; juin; juillet; août; septembre")
MONTHS_FR += _items("octobre; novembre; décembre")
ROMAN_MONTHS = _items("I; II; III; IV; V; VI; VII; VIII; IX; X; XI; XII")

# ---------------------------------------------------------------- jazz bibliography


def _dated(table: str) -> tuple[tuple[str, int], ...]:
    """Items « name = year »: the first year it makes sense to write about the name."""
    pairs = (item.partition("=") for item in _items(table))
    return tuple((name.strip(), int(year)) for name, _, year in pairs)


MUSICIANS = _dated("""
Louis Armstrong = 1930; Sidney Bechet = 1930; Duke Ellington = 1930; Django Reinhardt = 1935
Coleman Hawkins = 1934; Stéphane Grappelli = 1935; Count Basie = 1938; Billie Holiday = 1938
Lester Young = 1940; Mary Lou Williams = 1940; Charlie Parker = 1946; Dizzy Gillespie = 1946
Ella Fitzgerald = 1946; Thelonious Monk = 1948; Kenny Clarke = 1948; Bud Powell = 1949
Miles Davis = 1950; Martial Solal = 1955; Barney Wilen = 1957; John Coltrane = 1959
Ornette Coleman = 1960; Archie Shepp = 1966; Michel Portal = 1968; Henri Texier = 1975
""")
STYLES = _dated("""
jazz New Orleans = 1930; swing = 1935; boogie-woogie = 1938; be-bop = 1946; jazz cool = 1952
hard bop = 1958; jazz modal = 1961; free jazz = 1962; jazz-rock = 1971; jazz manouche = 1980
""")
PERIODICALS = _dated("""
Jazz Hot = 1935; Revue de musicologie = 1935; Bulletin du Hot Club de France = 1948
Jazz News = 1948; Jazz Magazine = 1954; Les Cahiers du jazz = 1959
""")
PLACES = _items("Paris; Saint-Germain-des-Prés; Marseille; Antibes; Lyon; Bordeaux; Nice; Lille")
TITLE_PATTERNS = _items("""
{musician} et le {style}; Sur quelques enregistrements {de_musician}; Hommage à {musician}
Pour une histoire du {style}; Entretien avec {musician}; L'improvisation chez {musician}
Le {style} à {place}; Notes sur le {style}; Discographie critique {de_musician}
{musician} : une esthétique du {style}; Le public du {style} à {place}
Les clubs {de_place} et le {style}; Le blues dans l'œuvre {de_musician}
Écouter {musician} aujourd'hui
""")
THESIS_TITLE_PATTERNS = _items("""
La réception du {style} en France; Le {style} à {place} : pratiques et réseaux
L'improvisation chez {musician} : analyse et transcriptions; {musician} et la critique française
Les musiciens de {style} à {place} : une étude sociologique
""")
BOOK_TITLE_PATTERNS = _items("""
Regards sur le jazz; Le jazz et ses musiciens; Musiques noires, musiques nouvelles
Histoire du jazz en France; Le jazz à {place}; Écrits sur le jazz; Jazz et société
Mélanges offerts à {author}; Le {style} : études et documents
""")
PUBLISHERS = _items("""
Éditions du Seuil; Gallimard; Éditions Parenthèses; Buchet-Chastel; Fayard; Albin Michel; Plon
Denoël; Presses universitaires de France; Éditions de Minuit; Hachette; Robert Laffont
Outre Mesure
""")
UNIVERSITIES = _items("""
Université Paris-Sorbonne; Université de Provence; Université Lumière Lyon 2
École des hautes études en sciences sociales; Université de Strasbourg
Université de Toulouse-Le Mirail
""")
WEB_DOMAINS = _items("www.example.org; jazz.example.net; archives.example.com")
FIRST_NAMES = _items("""
André; Lucien; Boris; Jacques; Michel; Philippe; Francis; Claude; Jean-Louis; Geneviève
Madeleine; Odile; Hélène; Pierre; Yvonne; Laurent; Sylvie; Marc
""")
SURNAMES = _items("""
Berthelot; Marchand; Leclerc; Fournier; Delorme; Perrin; Vasseur; Gauthier; Renaud; Mercier
Lacombe; Roussel; Tessier; Barbier; Chauvet; Lemaire; Aubert; Quénet; Daumier; Ollivier
""")

# ---------------------------------------------------------------- French grammar

COUNTRY_WITH_DE = {
    "France": "de France",
    "Espagne": "d'Espagne",
    "Italie": "d'Italie",
    "Suisse": "de Suisse",
    "Algérie": "d'Algérie",
    "Maroc": "du Maroc",
    "Belgique": "de Belgique",
    "Andorre": "d'Andorre",
}
_VOWELS = "aeiouyhàâéèêëîïôöûü"


def with_de(name: str) -> str:
    """Prefix « de » with contraction and elision: du Drac, des Bauges, d'Arles, de la Têt."""
    lower = name.lower()
    if lower.startswith("le "):
        return "du " + name[3:]
    if lower.startswith("les "):
        return "des " + name[4:]
    if lower[:1] in _VOWELS:
        return "d'" + name
    return "de " + name


def with_a(name: str) -> str:
    """Prefix « à » with contraction: au Vigan, aux Mées, à Grenoble."""
    lower = name.lower()
    if lower.startswith("le "):
        return "au " + name[3:]
    if lower.startswith("les "):
        return "aux " + name[4:]
    return "à " + name


def capitalise_first(text: str) -> str:
    return text[:1].upper() + text[1:]
