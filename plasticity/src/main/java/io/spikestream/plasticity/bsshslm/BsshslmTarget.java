package io.spikestream.plasticity.bsshslm;

/**
 * What {@link BsshslmEpropRule} needs of one plastic projection's target population: its neurons' archives (recurrent
 * or readout), the archive shift, the propagators and adaptation constants of the eligibility, and the per-part
 * source state ({@link BsshslmSources}).
 */
final class BsshslmTarget {

    /** Exactly one of rec and out is set. */
    RecurrentNeurons rec;
    ReadoutNeurons out;
    int shift;
    /** exp(-h / tau_m_readout): the low-pass filter of the eligibility trace. */
    double kappa;
    double pV;
    double pZ;
    double beta;
    double pA;
    BsshslmSources[] parts;

    IntervalArchive[] archives() {
        return rec != null ? rec.archive : out.archive;
    }
}
