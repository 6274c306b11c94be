import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DEV_ISSUER } from '../tokens.js';
import { devIssuerDocuments, type DevIssuer } from './dev-issuer.js';

/** Discovery and JWKS of the demo's development issuer (registered only in the demo). */
@ApiExcludeController()
@Controller('dev-issuer')
export class DevIssuerController {
  constructor(@Inject(DEV_ISSUER) private readonly dev: DevIssuer) {}

  @Get('.well-known/openid-configuration')
  discovery() {
    return devIssuerDocuments(this.dev).discovery;
  }

  @Get('jwks')
  jwks() {
    return devIssuerDocuments(this.dev).jwks;
  }
}
