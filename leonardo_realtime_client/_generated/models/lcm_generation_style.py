from enum import StrEnum


class LcmGenerationStyle(StrEnum):
    ANIME = "ANIME"
    CINEMATIC = "CINEMATIC"
    DIGITAL_ART = "DIGITAL_ART"
    DYNAMIC = "DYNAMIC"
    ENVIRONMENT = "ENVIRONMENT"
    FANTASY_ART = "FANTASY_ART"
    ILLUSTRATION = "ILLUSTRATION"
    NONE = "NONE"
    PHOTOGRAPHY = "PHOTOGRAPHY"
    RAYTRACED = "RAYTRACED"
    RENDER_3D = "RENDER_3D"
    SKETCH_BW = "SKETCH_BW"
    SKETCH_COLOR = "SKETCH_COLOR"
    VIBRANT = "VIBRANT"

    def __str__(self) -> str:
        return str(self.value)
