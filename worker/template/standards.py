"""The export vocabularies a template field may map to: Darwin Core terms and CSL variables.

Lists, not logic, so that a template naming `scientificname` is told it meant `scientificName`.
Sources: the Darwin Core quick reference (https://dwc.tdwg.org/terms/) and the CSL 1.0.2
specification's variables (https://docs.citationstyles.org/en/stable/specification.html).
"""

DARWIN_CORE_TERMS: frozenset[str] = frozenset(
    """
    type modified language license rightsHolder accessRights bibliographicCitation references
    institutionID collectionID datasetID institutionCode collectionCode datasetName ownerInstitutionCode
    basisOfRecord informationWithheld dataGeneralizations dynamicProperties
    occurrenceID catalogNumber recordNumber recordedBy recordedByID individualCount organismQuantity
    organismQuantityType sex lifeStage reproductiveCondition caste behavior vitality establishmentMeans
    degreeOfEstablishment pathway georeferenceVerificationStatus occurrenceStatus preparations
    disposition associatedMedia associatedOccurrences associatedReferences associatedSequences
    associatedTaxa otherCatalogNumbers occurrenceRemarks
    organismID organismName organismScope associatedOrganisms previousIdentifications organismRemarks
    materialEntityID materialSampleID verbatimLabel
    eventID parentEventID eventType fieldNumber eventDate eventTime startDayOfYear endDayOfYear year
    month day verbatimEventDate habitat samplingProtocol sampleSizeValue sampleSizeUnit samplingEffort
    fieldNotes eventRemarks
    locationID higherGeographyID higherGeography continent waterBody islandGroup island country
    countryCode stateProvince county municipality locality verbatimLocality minimumElevationInMeters
    maximumElevationInMeters verbatimElevation verticalDatum minimumDepthInMeters maximumDepthInMeters
    verbatimDepth minimumDistanceAboveSurfaceInMeters maximumDistanceAboveSurfaceInMeters
    locationAccordingTo locationRemarks decimalLatitude decimalLongitude geodeticDatum
    coordinateUncertaintyInMeters coordinatePrecision pointRadiusSpatialFit verbatimCoordinates
    verbatimLatitude verbatimLongitude verbatimCoordinateSystem verbatimSRS footprintWKT footprintSRS
    footprintSpatialFit georeferencedBy georeferencedDate georeferenceProtocol georeferenceSources
    georeferenceRemarks
    geologicalContextID earliestEonOrLowestEonothem latestEonOrHighestEonothem earliestEraOrLowestErathem
    latestEraOrHighestErathem earliestPeriodOrLowestSystem latestPeriodOrHighestSystem
    earliestEpochOrLowestSeries latestEpochOrHighestSeries earliestAgeOrLowestStage
    latestAgeOrHighestStage lowestBiostratigraphicZone highestBiostratigraphicZone
    lithostratigraphicTerms group formation member bed
    identificationID verbatimIdentification identificationQualifier typeStatus identifiedBy
    identifiedByID dateIdentified identificationReferences identificationVerificationStatus
    identificationRemarks
    taxonID scientificNameID acceptedNameUsageID parentNameUsageID originalNameUsageID nameAccordingToID
    namePublishedInID taxonConceptID scientificName acceptedNameUsage parentNameUsage
    originalNameUsage nameAccordingTo namePublishedIn namePublishedInYear higherClassification kingdom
    phylum class order superfamily family subfamily tribe subtribe genus genericName subgenus
    infragenericEpithet specificEpithet infraspecificEpithet cultivarEpithet taxonRank
    verbatimTaxonRank scientificNameAuthorship vernacularName nomenclaturalCode taxonomicStatus
    nomenclaturalStatus taxonRemarks
    """.split()
)

CSL_VARIABLES: frozenset[str] = frozenset(
    """
    type abstract annote archive archive_collection archive_location archive-place authority
    call-number chapter-number citation-key citation-label collection-number collection-title
    container-title container-title-short dimensions division DOI edition event event-title
    event-place first-reference-note-number genre ISBN ISSN jurisdiction keyword language license
    locator medium note number number-of-pages number-of-volumes original-publisher
    original-publisher-place original-title page page-first part-number part-title PMCID PMID
    printing-number publisher publisher-place references reviewed-genre reviewed-title scale section
    source status supplement-number title title-short URL version volume volume-title year-suffix
    accessed available-date event-date issued original-date submitted
    author chair collection-editor compiler composer container-author contributor curator director
    editor editorial-director executive-producer guest host illustrator interviewer narrator
    organizer original-author performer producer recipient reviewed-author script-writer
    series-creator translator
    """.split()
)

# CSL item types, for the `type` field of bibliographic templates.
CSL_TYPES: frozenset[str] = frozenset(
    """
    article article-journal article-magazine article-newspaper bill book broadcast chapter classic
    collection dataset document entry entry-dictionary entry-encyclopedia event figure graphic
    hearing interview legal_case legislation manuscript map motion_picture musical_score pamphlet
    paper-conference patent performance periodical personal_communication post post-weblog
    regulation report review review-book software song speech standard thesis treaty webpage
    """.split()
)

EXPORT_STANDARDS: dict[str, frozenset[str]] = {"dwc": DARWIN_CORE_TERMS, "csl": CSL_VARIABLES}
